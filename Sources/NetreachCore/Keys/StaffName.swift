/// A staff member's name: 1–32 characters from `a-z 0-9 . _ -`, starting with a letter or digit
/// (the **name** encoding of docs/KEYS.md). It is also a file name (`staff/NAME.cert`), which the
/// rule keeps safe: no `/`, no leading dot, no upper case that could collide on some file systems.
public struct StaffName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let maximumLength = 32

    public let text: String

    /// Throws `invalidValue` unless `text` follows the name rule.
    public init(_ text: String) throws(KeyError) {
        try StaffName.check(text, what: "a staff name")
        self.text = text
    }

    public static func < (a: StaffName, b: StaffName) -> Bool { a.text < b.text }

    public var description: String { text }

    /// Checks the **name** rule, which the deployment name and private key files' names follow too.
    static func check(_ text: String, what: String) throws(KeyError) {
        let bytes = Array(text.utf8)
        guard (1...maximumLength).contains(bytes.count) else {
            throw KeyError(code: .invalidValue, "\(what) is 1–\(maximumLength) characters, got \(bytes.count) bytes")
        }
        let isLetterOrDigit: (UInt8) -> Bool = { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
        guard bytes.allSatisfy({ isLetterOrDigit($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }) else {
            throw KeyError(code: .invalidValue, "\(what) may hold only a-z, 0-9, '.', '_' and '-', got '\(shortened(text))'")
        }
        guard isLetterOrDigit(bytes[0]) else {
            throw KeyError(code: .invalidValue, "\(what) must start with a letter or digit, got '\(shortened(text))'")
        }
    }
}
