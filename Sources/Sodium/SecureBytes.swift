import CSodium

/// Secret bytes (a private key, a shared key, a decrypted plaintext) that are zeroed when released.
///
/// The storage is a private heap allocation, never an `Array`, so no copy escapes through
/// copy-on-write; `sodium_memzero` wipes it in `deinit`. Instances are immutable after creation,
/// which is what makes sharing them between tasks safe.
public final class SecureBytes: @unchecked Sendable, ByteInput {
    /// The whole allocation: at least one byte, so its pointer is never nil even for an empty secret.
    private let allocation: UnsafeMutableRawBufferPointer
    /// The number of bytes held.
    public let count: Int

    private var storage: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: allocation[0..<count])
    }

    /// Sees the whole allocation after it was wiped and just before it is freed: how the tests check
    /// the wipe, which cannot be observed once the memory is gone. Nil outside tests.
    private let willFree: (@Sendable (UnsafeRawBufferPointer) -> Void)?

    /// Makes `count` bytes and lets `initializer` fill them; the buffer starts zeroed.
    /// If the initializer throws, the partly written bytes are wiped before the error propagates.
    public convenience init<E: Error>(count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        try self.init(count: count, willFree: nil, initializingWith: initializer)
    }

    /// As `init(count:initializingWith:)`, with `willFree` called on the wiped memory before it is freed.
    package init<E: Error>(count: Int, willFree: (@Sendable (UnsafeRawBufferPointer) -> Void)?,
                           initializingWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        Sodium.ensureInitialised()
        precondition(count >= 0, "a byte count cannot be negative")
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0)
        // The stored properties are set only once the initializer succeeded: a class whose
        // properties are all set runs deinit when its init throws, which would free twice.
        do {
            try initializer(UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
        } catch {
            Sodium.memzero(raw)
            willFree?(UnsafeRawBufferPointer(raw))
            raw.deallocate()
            throw error
        }
        allocation = raw
        self.count = count
        self.willFree = willFree
    }

    /// Copies the bytes in; the source is the caller's to wipe.
    public convenience init(copying bytes: some ByteInput) {
        let count = bytes.withByteInput { $0.count }
        self.init(count: count) { destination in
            bytes.withByteInput { source in
                if let base = source.baseAddress { destination.copyMemory(from: UnsafeRawBufferPointer(start: base, count: count)) }
            }
        }
    }

    /// Moves the array's bytes in and zeroes the array, leaving it empty.
    public convenience init(zeroingSource bytes: inout [UInt8]) {
        self.init(copying: bytes)
        Sodium.memzero(&bytes)
        bytes.removeAll()
    }

    /// Fresh random bytes from the operating system's generator.
    public static func random(count: Int) -> SecureBytes {
        SecureBytes(count: count) { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
    }

    /// Keeps the secret's pages out of swap and out of core dumps (`sodium_mlock`: mlock and
    /// MADV_DONTDUMP) for the rest of the process's life: for a secret a long-lived process holds,
    /// such as the key agent's. Returns false when the system refuses (RLIMIT_MEMLOCK).
    public func lockInMemory() -> Bool {
        sodium_mlock(allocation.baseAddress!, allocation.count) == 0
    }

    deinit {
        Sodium.memzero(allocation)
        willFree?(UnsafeRawBufferPointer(allocation))
        allocation.deallocate()
    }

    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// A copy of the secret as an ordinary array, for the moment it must leave protected storage
    /// (for example to be shown or written encrypted). Wipe it with `Sodium.memzero` when done.
    public func copyBytes() -> [UInt8] {
        Array(UnsafeRawBufferPointer(storage))
    }

    /// Constant-time equality with other bytes.
    public func isEqual(to other: some ByteInput) -> Bool {
        Sodium.constantTimeEqual(self, other)
    }
}
