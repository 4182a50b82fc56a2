/// The name of a deployment in `org.pub`. docs/KEYS.md does not give it an encoding of its own, so
/// it follows the strictest one the document has, the **name** rule (1–32 of `a-z 0-9 . _ -`).
public struct DeploymentName: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    /// Throws `invalidValue` unless `text` follows the name rule.
    public init(_ text: String) throws(KeyError) {
        try StaffName.check(text, what: "a deployment name")
        self.text = text
    }

    public var description: String { text }
}
