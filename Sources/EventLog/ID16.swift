import Sodium

/// A 16-byte identifier held inline: the shared representation of `EventID`, `AuthorID` and `LogID`.
public struct ID16: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public static let zero = ID16(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Reads 16 bytes; throws when there are not exactly 16.
    public init(_ bytes: some Collection<UInt8>) throws(EventLogError) {
        guard bytes.count == 16 else {
            throw EventLogError(code: .invalidEvent, "an id is 16 bytes, got \(bytes.count)")
        }
        self = Array(bytes).withUnsafeBytes { ID16(reading: $0) }
    }

    /// Reads 16 bytes at the start of `buffer`, in the byte order they are stored on disk.
    init(reading buffer: UnsafeRawBufferPointer) {
        high = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Sixteen fresh random bytes.
    public static func random() -> ID16 {
        Random.bytes(count: 16).withUnsafeBytes { ID16(reading: $0) }
    }

    /// The 16 bytes, in storage order.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        withUnsafeBytes(of: high.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: low.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    public static func < (a: ID16, b: ID16) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// Lower-case hex, 32 digits.
    public var description: String { Hex.encode(bytes) }
}

/// The writer-chosen id of an event; appending the same id twice stores it once.
public typealias EventID = ID16
/// The key id of the author of an event (see docs/KEYS.md); all zeros for the system.
public typealias AuthorID = ID16
/// The random id of a log, fixed when the log is created.
public typealias LogID = ID16
