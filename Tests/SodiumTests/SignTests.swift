import Sodium
import Testing

@Suite("Sign (Ed25519, detached)")
struct SignTests {
    @Test("reproduces PyNaCl's public key and signature byte for byte", arguments: Vectors.shared.sign)
    func knownAnswer(_ v: Vectors.SignVector) throws {
        let pair = try SigningKeyPair(seed: v.seed.bytes)
        #expect(pair.publicKey.bytes == v.public.bytes)
        #expect(pair.sign(v.message.bytes).bytes == v.signature.bytes)
        #expect(pair.seed.copyBytes() == v.seed.bytes)
        let key = try SigningPublicKey(v.public.bytes)
        try key.verify(Signature(v.signature.bytes), for: v.message.bytes)
    }

    @Test("every flipped bit of a signature is refused")
    func flippedSignature() throws {
        let v = Vectors.shared.sign[3]
        let key = try SigningPublicKey(v.public.bytes)
        for index in v.signature.bytes.indices {
            let error = #expect(throws: SodiumError.self) {
                try key.verify(Signature(flippingBit(v.signature.bytes, at: index)), for: v.message.bytes)
            }
            #expect(error?.code == .badSignature)
        }
    }

    @Test("a flipped bit of the message or the key is refused")
    func flippedMessageOrKey() throws {
        let v = Vectors.shared.sign[5]
        let signature = try Signature(v.signature.bytes)
        #expect(!(try SigningPublicKey(v.public.bytes)).isValidSignature(signature, for: flippingBit(v.message.bytes, at: 9)))
        #expect(!(try SigningPublicKey(flippingBit(v.public.bytes, at: 2))).isValidSignature(signature, for: v.message.bytes))
    }

    @Test("another key's signature is refused")
    func otherKey() {
        let signer = SigningKeyPair.generate(), other = SigningKeyPair.generate()
        let message = Array("enrol sam as worker".utf8)
        #expect(signer.publicKey.isValidSignature(signer.sign(message), for: message))
        #expect(!other.publicKey.isValidSignature(signer.sign(message), for: message))
    }

    @Test("keys, seeds and signatures of the wrong size are typed errors", arguments: [0, 31, 33, 63, 65])
    func wrongSizes(count: Int) {
        let bytes = [UInt8](repeating: 9, count: count)
        for attempt in [{ _ = try SigningPublicKey(bytes) }, { _ = try SigningKeyPair(seed: bytes) },
                        { _ = try Signature(bytes) }] as [() throws -> Void] {
            let error = #expect(throws: SodiumError.self) { try attempt() }
            #expect(error?.code == .wrongLength)
        }
    }
}
