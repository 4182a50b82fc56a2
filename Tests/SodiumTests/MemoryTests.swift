import Sodium
import Testing

@Suite("Secure memory, constant-time comparison and randomness")
struct MemoryTests {
    @Test("constant-time comparison tells equal from unequal, and different lengths are unequal")
    func constantTime() {
        #expect(Sodium.constantTimeEqual([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!Sodium.constantTimeEqual([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!Sodium.constantTimeEqual([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(Sodium.constantTimeEqual([UInt8](), [UInt8]()))
    }

    @Test("memzero wipes every byte of an array")
    func memzero() {
        var secret = Random.bytes(count: 64)
        secret[0] = 1
        Sodium.memzero(&secret)
        #expect(secret == [UInt8](repeating: 0, count: 64))
    }

    @Test("moving bytes into SecureBytes wipes and empties the source")
    func zeroingSource() {
        var source: [UInt8] = [9, 8, 7, 6]
        let secure = SecureBytes(zeroingSource: &source)
        #expect(source.isEmpty)
        #expect(secure.copyBytes() == [9, 8, 7, 6])
        #expect(secure.isEqual(to: [9, 8, 7, 6] as [UInt8]))
    }

    @Test("an empty secret is valid")
    func emptySecret() {
        let empty = SecureBytes(copying: [UInt8]())
        #expect(empty.count == 0)
        #expect(empty.copyBytes().isEmpty)
    }

    @Test("an initializer that throws leaves no secret behind and passes its error on")
    func throwingInitializer() {
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            _ = try SecureBytes(count: 8) { (buffer: UnsafeMutableRawBufferPointer) throws(Refused) in
                buffer[0] = 1
                throw Refused()
            }
        }
    }

    @Test("random bytes differ between calls and uniform stays below its bound")
    func randomness() {
        #expect(Random.bytes(count: 32) != Random.bytes(count: 32))
        #expect(Random.bytes(count: 0).isEmpty)
        for _ in 0..<1000 { #expect(Random.uniform(below: 2048) < 2048) }
    }

    @Test("the library reports its version")
    func version() {
        #expect(Sodium.version.split(separator: ".").count == 3)
    }
}
