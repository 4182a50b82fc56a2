import Foundation
public import NetreachCore
public import Sodium

/// A message from the relay (docs/PROTOCOL.md, "Session" and "Errors").
public enum ServerMessage: Sendable, Equatable {
    case hello(challenge: [UInt8], relay: SigningPublicKey, powBits: Int)
    case ready(role: AuthProof.Role, conversation: ConversationID?, exists: Bool)
    case ack(rid: String?, position: UInt64, version: UInt64, duplicate: Bool)
    case event(position: UInt64, version: UInt64, timeMilliseconds: UInt64, kind: EventKind, bytes: [UInt8])
    case live(position: UInt64)
    case pong(rid: String?)
    case error(rid: String?, ProtocolError)

    /// The JSON text of the frame.
    public var text: String {
        var fields: [String: Any]
        switch self {
        case .hello(let challenge, let relay, let powBits):
            fields = ["t": "hello", "v": 1, "challenge": Base64URL.encode(challenge), "relay": Base64URL.encode(relay.bytes),
                      "powBits": powBits, "maxFrame": ClientMessage.maximumFrameCount]
        case .ready(let role, let conversation, let exists):
            fields = ["t": "ready", "role": role.name, "conversation": conversation?.base64URL ?? NSNull(), "exists": exists]
        case .ack(let rid, let position, let version, let duplicate):
            fields = ["t": "ack", "rid": rid ?? NSNull(), "position": position, "version": version, "duplicate": duplicate]
        case .event(let position, let version, let time, let kind, let bytes):
            fields = ["t": "event", "position": position, "version": version, "time": time, "kind": kind.name,
                      "event": Base64URL.encode(bytes)]
        case .live(let position):
            fields = ["t": "live", "position": position]
        case .pong(let rid):
            fields = ["t": "pong", "rid": rid ?? NSNull()]
        case .error(let rid, let error):
            fields = ["t": "error", "rid": rid ?? NSNull(), "code": error.code.name, "message": error.message]
        }
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the relay closes the connection after sending this.
    public var endsConnection: Bool {
        if case .error(_, let error) = self { return error.code.isFatal }
        return false
    }
}
