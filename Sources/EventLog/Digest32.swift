import Sodium

/// A 32-byte hash value (payload hash, chain value) held inline, without a heap allocation.
public struct Digest32: Hashable, Sendable, CustomStringConvertible {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Digest32(words: (0, 0, 0, 0))

    private init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Reads 32 bytes; throws when there are not exactly 32.
    public init(_ bytes: some Collection<UInt8>) throws(EventLogError) {
        guard bytes.count == 32 else {
            throw EventLogError(code: .invalidEvent, "a digest is 32 bytes, got \(bytes.count)")
        }
        let array = Array(bytes)
        self = array.withUnsafeBytes { Digest32(reading: $0) }
    }

    /// Reads 32 bytes at the start of `buffer` (which must hold at least 32).
    init(reading buffer: UnsafeRawBufferPointer) {
        words = (buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                 buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                 buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        Swift.withUnsafeBytes(of: words) { Array($0) }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (a: Digest32, b: Digest32) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Lower-case hex.
    public var description: String { Hex.encode(bytes) }
}
