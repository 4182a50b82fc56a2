/// Anything whose bytes can be lent to libsodium as one contiguous buffer without copying.
public protocol ByteInput {
    func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ByteInput where Element == UInt8 {
    @inlinable
    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ArraySlice: ByteInput where Element == UInt8 {
    @inlinable
    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ContiguousArray: ByteInput where Element == UInt8 {
    @inlinable
    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension UnsafeRawBufferPointer: ByteInput {
    @inlinable
    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}

extension String.UTF8View: ByteInput {
    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(self).withUnsafeBytes(body)
    }
}

/// One readable byte that stands in for the address of an empty input: several libsodium functions
/// declare their pointers non-null even when the length is zero. It is never written.
nonisolated(unsafe) private let emptyInput: UnsafeMutablePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

/// The address libsodium is given for an input buffer, valid even when the buffer is empty.
@inline(__always)
func basePointer(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
    guard let base = buffer.baseAddress else { return UnsafePointer(emptyInput) }
    return base.assumingMemoryBound(to: UInt8.self)
}
