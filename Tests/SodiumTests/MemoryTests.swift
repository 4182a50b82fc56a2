import Sodium
import Synchronization
import Testing

/// What a secret's memory held just before it was freed.
private final class FreedMemory: Sendable {
    private let bytes = Mutex<[UInt8]?>(nil)
    var seen: [UInt8]? { bytes.withLock { $0 } }
    var observer: @Sendable (UnsafeRawBufferPointer) -> Void {
        { memory in self.bytes.withLock { $0 = Array(memory) } }
    }
}

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

    @Test("a secret's memory is all zero before it is freed")
    func wipedWhenReleased() {
        let freed = FreedMemory()
        do {
            let secret = SecureBytes(count: 32, willFree: freed.observer) { buffer in
                for k in buffer.indices { buffer[k] = UInt8(k + 1) }
            }
            #expect(secret.copyBytes() == (1...32).map { UInt8($0) })
            withExtendedLifetime(secret) { #expect(freed.seen == nil, "the memory is not freed while the secret lives") }
        }
        #expect(freed.seen == [UInt8](repeating: 0, count: 32))
    }

    @Test("moving bytes into SecureBytes empties the source and keeps the bytes")
    func zeroingSource() {
        // That the source's bytes are wiped before it is emptied cannot be seen afterwards (its
        // memory is freed); `Sodium.memzero`, which does it, is checked above.
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

    @Test("an initializer that throws passes its error on, and what it wrote is wiped before the memory is freed")
    func throwingInitializer() {
        struct Refused: Error {}
        let freed = FreedMemory()
        #expect(throws: Refused.self) {
            _ = try SecureBytes(count: 8, willFree: freed.observer) { (buffer: UnsafeMutableRawBufferPointer) throws(Refused) in
                for k in buffer.indices { buffer[k] = 0xA5 }
                throw Refused()
            }
        }
        #expect(freed.seen == [UInt8](repeating: 0, count: 8))
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
