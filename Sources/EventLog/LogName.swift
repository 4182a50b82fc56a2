/// A stream name or an event type: 1–255 bytes from `A–Z a–z 0–9 . _ : -` (docs/LOG-FORMAT.md).
public struct LogName: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let value: String

    public init(_ value: String) throws(EventLogError) {
        let utf8 = value.utf8
        guard (1...255).contains(utf8.count) else {
            throw EventLogError(code: .invalidEvent, "a stream name or type is 1–255 bytes, got \(utf8.count)")
        }
        guard utf8.allSatisfy(LogName.isAllowed) else {
            throw EventLogError(code: .invalidEvent,
                                "a stream name or type may hold only A–Z a–z 0–9 . _ : - (got '\(value)')")
        }
        self.value = value
    }

    /// For literals in code and tests; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("invalid log name literal: \(error)") }
    }

    /// Decodes bytes read from disk, validating them like any other input.
    init(decoding bytes: UnsafeRawBufferPointer) throws(EventLogError) {
        try self.init(String(decoding: bytes, as: UTF8.self))
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
             UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    public static func < (a: LogName, b: LogName) -> Bool { a.value < b.value }
    public var description: String { value }
}

/// The name of a stream (one per conversation, plus staff, alerts, system).
public typealias StreamName = LogName
/// The type of an event, for example `message.posted`.
public typealias EventType = LogName
