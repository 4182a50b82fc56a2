/// Why a key was revoked: one line of 1–200 printable characters. "Printable" is read as printable
/// ASCII (space to `~`), which rules out control, format and bidirectional characters that could
/// make the text shown to a person differ from the text signed. No leading or trailing space,
/// because the line rules of key files forbid them.
public struct RevocationReason: Hashable, Sendable, CustomStringConvertible {
    public static let maximumLength = 200

    public let text: String

    /// Throws `invalidValue` unless `text` follows the rule above.
    public init(_ text: String) throws(KeyError) {
        let bytes = Array(text.utf8)
        guard (1...RevocationReason.maximumLength).contains(bytes.count) else {
            throw KeyError(code: .invalidValue,
                           "a reason is 1–\(RevocationReason.maximumLength) characters, got \(bytes.count) bytes")
        }
        guard bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw KeyError(code: .invalidValue, "a reason may hold only printable ASCII characters")
        }
        guard bytes.first != 0x20, bytes.last != 0x20 else {
            throw KeyError(code: .invalidValue, "a reason must not start or end with a space")
        }
        self.text = text
    }

    public var description: String { text }
}
