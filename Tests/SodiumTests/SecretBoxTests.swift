import Sodium
import Testing

@Suite("SecretBox (crypto_secretbox_easy)")
struct SecretBoxTests {
    @Test("reproduces PyNaCl's ciphertext byte for byte and opens it", arguments: Vectors.shared.secretbox)
    func knownAnswer(_ v: Vectors.SecretBoxVector) throws {
        let nonce = try Nonce(v.nonce.bytes)
        #expect(try SecretBox.seal(v.message.bytes, nonce: nonce, key: v.key.bytes) == v.ciphertext.bytes)
        #expect(try SecretBox.open(v.ciphertext.bytes, nonce: nonce, key: v.key.bytes).copyBytes() == v.message.bytes)
    }

    @Test("every flipped bit of a ciphertext is refused as forged")
    func flippedBits() throws {
        let v = Vectors.shared.secretbox[4]
        let nonce = try Nonce(v.nonce.bytes)
        for index in v.ciphertext.bytes.indices {
            let error = #expect(throws: SodiumError.self) {
                try SecretBox.open(flippingBit(v.ciphertext.bytes, at: index), nonce: nonce, key: v.key.bytes)
            }
            #expect(error?.code == .forgedCiphertext)
        }
    }

    @Test("a flipped nonce or key bit is refused as forged")
    func wrongNonceOrKey() throws {
        let v = Vectors.shared.secretbox[5]
        let error1 = #expect(throws: SodiumError.self) {
            try SecretBox.open(v.ciphertext.bytes, nonce: Nonce(flippingBit(v.nonce.bytes, at: 3)), key: v.key.bytes)
        }
        #expect(error1?.code == .forgedCiphertext)
        let error2 = #expect(throws: SodiumError.self) {
            try SecretBox.open(v.ciphertext.bytes, nonce: Nonce(v.nonce.bytes), key: flippingBit(v.key.bytes, at: 0))
        }
        #expect(error2?.code == .forgedCiphertext)
    }

    @Test("a truncated ciphertext is refused as forged", arguments: [0, 1, 15, 16, 40])
    func truncated(keep: Int) throws {
        let v = Vectors.shared.secretbox[5]
        let error = #expect(throws: SodiumError.self) {
            try SecretBox.open(Array(v.ciphertext.bytes.prefix(keep)), nonce: Nonce(v.nonce.bytes), key: v.key.bytes)
        }
        #expect(error?.code == .forgedCiphertext)
    }

    @Test("a key of the wrong size is a typed error", arguments: [0, 16, 31, 33])
    func wrongKeySize(count: Int) {
        let key = [UInt8](repeating: 1, count: count)
        let sealError = #expect(throws: SodiumError.self) { try SecretBox.seal([1], nonce: .random(), key: key) }
        #expect(sealError?.code == .wrongLength)
        let openError = #expect(throws: SodiumError.self) {
            try SecretBox.open([UInt8](repeating: 0, count: 40), nonce: .random(), key: key)
        }
        #expect(openError?.code == .wrongLength)
    }

    @Test("a random key and nonce round-trip, including an empty message")
    func roundTrip() throws {
        let key = SecretBox.generateKey()
        for message in [[UInt8](), Array("hello".utf8), Random.bytes(count: 70_000)] {
            let nonce = Nonce.random()
            let sealed = try SecretBox.seal(message, nonce: nonce, key: key)
            #expect(sealed.count == message.count + SecretBox.macCount)
            #expect(try SecretBox.open(sealed, nonce: nonce, key: key).copyBytes() == message)
        }
    }
}
