/// Reads fixed-layout binary fields, refusing anything short or inconsistent as `malformed`.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0
    private let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws(ProtocolError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw ProtocolError(.malformed, "\(what) is cut short at byte \(offset) (needs \(count) more, has \(remaining))")
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(ProtocolError) -> T {
        let raw = try take(MemoryLayout<T>.size)
        return raw.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }

    /// Refuses bytes left over after the last field.
    func finish() throws(ProtocolError) {
        guard remaining == 0 else { throw ProtocolError(.malformed, "\(what) has \(remaining) bytes after its last field") }
    }
}

extension Array where Element == UInt8 {
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
