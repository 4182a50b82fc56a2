/// The context strings of docs/PROTOCOL.md: `netreach/v1/NAME` and a zero byte before every signed
/// or hashed input, so that nothing made for one purpose is valid for another.
public enum ProtocolContext {
    case phrase, visitorKeys, conversationID, event, auth, pow, keyID

    public var name: String {
        switch self {
        case .phrase: "phrase"
        case .visitorKeys: "visitor-keys"
        case .conversationID: "conversation-id"
        case .event: "event"
        case .auth: "auth"
        case .pow: "pow"
        case .keyID: "key-id"
        }
    }

    /// `netreach/v1/NAME ‖ 0x00`.
    public var prefix: [UInt8] { Array("netreach/v1/\(name)".utf8) + [0] }

    /// `prefix ‖ message`.
    public func input(_ message: [UInt8]) -> [UInt8] { prefix + message }
}
