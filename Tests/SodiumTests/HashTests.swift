import Sodium
import Testing

@Suite("GenericHash (BLAKE2b) and SHA-512")
struct HashTests {
    @Test("one-shot BLAKE2b reproduces PyNaCl and hashlib", arguments: Vectors.shared.generichash)
    func blake2bOneShot(_ v: Vectors.GenericHashVector) throws {
        #expect(try GenericHash.hash(v.message.bytes, key: v.key.bytes, outputCount: v.outputCount) == v.hash.bytes)
    }

    @Test("streaming BLAKE2b over uneven chunks equals the one-shot hash", arguments: Vectors.shared.generichash)
    func blake2bStreaming(_ v: Vectors.GenericHashVector) throws {
        var hasher = try GenericHash.Hasher(key: v.key.bytes, outputCount: v.outputCount)
        for chunk in v.chunks { hasher.update(chunk.bytes) }
        #expect(hasher.finalize() == v.hash.bytes)
    }

    @Test("unkeyed BLAKE2b with the default size is 32 bytes")
    func blake2bDefault() throws {
        let v = Vectors.shared.generichash[1]
        #expect(v.key.bytes.isEmpty && v.outputCount == 32)
        #expect(try GenericHash.hash(v.message.bytes) == v.hash.bytes)
    }

    @Test("BLAKE2b output sizes outside 16…64 are typed errors", arguments: [0, 15, 65, 1000])
    func blake2bBadSize(count: Int) {
        let error = #expect(throws: SodiumError.self) { try GenericHash.hash([1, 2, 3], outputCount: count) }
        #expect(error?.code == .invalidParameter)
        let streamError = #expect(throws: SodiumError.self) { _ = try GenericHash.Hasher(outputCount: count) }
        #expect(streamError?.code == .invalidParameter)
    }

    @Test("a BLAKE2b key longer than 64 bytes is a typed error")
    func blake2bLongKey() {
        let error = #expect(throws: SodiumError.self) {
            try GenericHash.hash([1], key: [UInt8](repeating: 0, count: 65))
        }
        #expect(error?.code == .invalidParameter)
    }

    @Test("SHA-512 reproduces PyNaCl and hashlib", arguments: Vectors.shared.sha512)
    func sha512(_ v: Vectors.SHA512Vector) {
        #expect(SHA512.hash(v.message.bytes) == v.hash.bytes)
    }
}
