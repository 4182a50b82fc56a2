import Sodium
import Testing

@Suite("Box (crypto_box_easy)")
struct BoxTests {
    @Test("reproduces PyNaCl's ciphertext byte for byte and opens it", arguments: Vectors.shared.box)
    func knownAnswer(_ v: Vectors.BoxVector) throws {
        let a = try BoxKeyPair(secretKey: v.aSecret.bytes)
        let b = try BoxKeyPair(secretKey: v.bSecret.bytes)
        #expect(a.publicKey.bytes == v.aPublic.bytes)
        #expect(b.publicKey.bytes == v.bPublic.bytes)
        let nonce = try Nonce(v.nonce.bytes)
        let sealed = Box.seal(v.message.bytes, nonce: nonce, to: b.publicKey, from: a)
        #expect(sealed == v.ciphertext.bytes)
        let opened = try Box.open(v.ciphertext.bytes, nonce: nonce, from: a.publicKey, to: b)
        #expect(opened.copyBytes() == v.message.bytes)
    }

    @Test("the precomputed shared key matches PyNaCl and seals the same bytes", arguments: Vectors.shared.box)
    func sharedKey(_ v: Vectors.BoxVector) throws {
        let a = try BoxKeyPair(secretKey: v.aSecret.bytes)
        let b = try BoxKeyPair(secretKey: v.bSecret.bytes)
        let shared = try Box.sharedKey(between: b.publicKey, and: a)
        #expect(shared.copyBytes() == v.sharedKey.bytes)
        let nonce = try Nonce(v.nonce.bytes)
        #expect(try Box.seal(v.message.bytes, nonce: nonce, sharedKey: shared) == v.ciphertext.bytes)
        let reverse = try Box.sharedKey(between: a.publicKey, and: b)
        #expect(try Box.open(v.ciphertext.bytes, nonce: nonce, sharedKey: reverse).copyBytes() == v.message.bytes)
    }

    @Test("a key pair from a seed matches crypto_box_seed_keypair", arguments: Vectors.shared.boxSeedKeypair)
    func seedKeyPair(_ v: Vectors.BoxSeedVector) throws {
        let pair = try BoxKeyPair(seed: v.seed.bytes)
        #expect(pair.secretKey.copyBytes() == v.secret.bytes)
        #expect(pair.publicKey.bytes == v.public.bytes)
    }

    @Test("every flipped bit of a ciphertext is refused as forged")
    func flippedBits() throws {
        let v = Vectors.shared.box[3]
        let a = try BoxKeyPair(secretKey: v.aSecret.bytes)
        let b = try BoxKeyPair(secretKey: v.bSecret.bytes)
        let nonce = try Nonce(v.nonce.bytes)
        for index in v.ciphertext.bytes.indices {
            let error = #expect(throws: SodiumError.self) {
                try Box.open(flippingBit(v.ciphertext.bytes, at: index), nonce: nonce, from: a.publicKey, to: b)
            }
            #expect(error?.code == .forgedCiphertext)
        }
    }

    @Test("a truncated ciphertext is refused as forged", arguments: [0, 1, 15, 16, 17])
    func truncated(keep: Int) throws {
        let v = Vectors.shared.box[2]
        let a = try BoxKeyPair(secretKey: v.aSecret.bytes)
        let b = try BoxKeyPair(secretKey: v.bSecret.bytes)
        let error = #expect(throws: SodiumError.self) {
            try Box.open(Array(v.ciphertext.bytes.prefix(keep)), nonce: Nonce(v.nonce.bytes), from: a.publicKey, to: b)
        }
        #expect(error?.code == .forgedCiphertext)
    }

    @Test("the wrong recipient cannot open a box")
    func wrongRecipient() throws {
        let alice = BoxKeyPair.generate(), bob = BoxKeyPair.generate(), eve = BoxKeyPair.generate()
        let nonce = Nonce.random()
        let sealed = Box.seal(Array("meet at 9".utf8), nonce: nonce, to: bob.publicKey, from: alice)
        #expect(throws: SodiumError.self) { try Box.open(sealed, nonce: nonce, from: alice.publicKey, to: eve) }
        #expect(try Box.open(sealed, nonce: nonce, from: alice.publicKey, to: bob).copyBytes() == Array("meet at 9".utf8))
    }

    @Test("keys and nonces of the wrong size are typed errors", arguments: [0, 1, 23, 31, 33, 64])
    func wrongSizes(count: Int) {
        let bytes = [UInt8](repeating: 7, count: count)
        for attempt in [{ _ = try BoxPublicKey(bytes) }, { _ = try BoxKeyPair(secretKey: bytes) },
                        { _ = try BoxKeyPair(seed: bytes) }, { _ = try Nonce(bytes) }] as [() throws -> Void] {
            let error = #expect(throws: SodiumError.self) { try attempt() }
            #expect(error?.code == .wrongLength)
        }
    }

    @Test("a shared key of the wrong size is a typed error")
    func wrongSharedKeySize() {
        let error = #expect(throws: SodiumError.self) {
            try Box.seal([1, 2, 3], nonce: Nonce.random(), sharedKey: SecureBytes.random(count: 31))
        }
        #expect(error?.code == .wrongLength)
    }

    @Test("a small-order public key is refused when precomputing")
    func smallOrderKey() throws {
        let error = #expect(throws: SodiumError.self) {
            try Box.sharedKey(between: BoxPublicKey([UInt8](repeating: 0, count: 32)), and: BoxKeyPair.generate())
        }
        #expect(error?.code == .invalidParameter)
    }
}
