import NetreachCore
import Sodium
import Testing

@Suite("Key ids and fingerprints")
struct KeyIDFingerprintTests {
    @Test("a key id is the first 16 bytes of SHA-512 of the key-id context and the key")
    func keyIDDefinition() {
        let key = TestKeys.keyPair(seed: 7).publicKey
        let expected = Array(SHA512.hash(Array("netreach/v1/key-id".utf8) + [0] + key.bytes).prefix(16))
        #expect(KeyID(key).bytes == expected)
    }

    @Test("the event log's author id holds the key id's bytes")
    func authorID() {
        let id = KeyID(TestKeys.keyPair(seed: 7).publicKey)
        #expect(id.authorID.bytes == id.bytes)
        #expect(id.description == id.authorID.description)
    }

    @Test("a key id read back must be 16 bytes", arguments: [0, 15, 17, 32])
    func keyIDLength(count: Int) {
        let error = #expect(throws: KeyError.self) { try KeyID(bytes: [UInt8](repeating: 1, count: count)) }
        #expect(error?.code == .invalidValue)
    }

    @Test("a fingerprint covers the signing key, then the box key when there is one")
    func fingerprintDefinition() {
        let sign = TestKeys.keyPair(seed: 7).publicKey, box = TestKeys.boxKeyPair(seed: 7).publicKey
        let context = Array("netreach/v1/fingerprint".utf8) + [0]
        #expect(Fingerprint(signKey: sign).bytes == Array(SHA512.hash(context + sign.bytes).prefix(16)))
        #expect(Fingerprint(signKey: sign, boxKey: box).bytes
                == Array(SHA512.hash(context + sign.bytes + box.bytes).prefix(16)))
        #expect(Fingerprint(signKey: sign) != Fingerprint(signKey: sign, boxKey: box))
    }

    @Test("a fingerprint is shown as 8 groups of 4 lower-case hex digits")
    func fingerprintText() {
        let fingerprint = Fingerprint(signKey: TestKeys.keyPair(seed: 7).publicKey)
        let groups = fingerprint.description.split(separator: " ", omittingEmptySubsequences: false)
        #expect(groups.count == 8)
        #expect(groups.allSatisfy { $0.count == 4 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(groups.joined() == Hex.encode(fingerprint.bytes))
    }

    @Test("a key id and a fingerprint of the same key differ, because their contexts do")
    func contextsDiffer() {
        let key = TestKeys.keyPair(seed: 7).publicKey
        #expect(KeyID(key).bytes != Fingerprint(signKey: key).bytes)
    }
}
