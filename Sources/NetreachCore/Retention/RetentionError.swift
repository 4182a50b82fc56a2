/// Why a retention policy, an erasure request, an erasure record or sealed figures were refused
/// (docs/PRIVACY.md): a code to act on and words for people.
public struct RetentionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not the document's layout: a missing or unknown field, a bad value, bytes left over.
        case malformed
        /// A number outside what the policy allows (days, the order of the limits).
        case outOfRange
        /// The reason given is not one this author may give (a visitor gives only `visitor-request`).
        case wrongReason
        /// Something that does not open or verify with the keys this reader holds.
        case unreadable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
