public import EventLog
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
    /// One record of the log as stored: everything its chain value covers, and the payload only
    /// where a client cannot have it otherwise (the relay's own `system` stream).
    case record(rid: String?, RecordedEvent, includePayload: Bool)
    /// The end of a `records` answer: the log's id and head now, and where to ask from next.
    case records(rid: String?, head: LogHead, next: UInt64)

    /// The JSON text of the frame, fields in the order docs/PROTOCOL.md lists them.
    public var text: String {
        var json = WireJSONWriter()
        switch self {
        case .hello(let challenge, let relay, let powBits):
            json.field("t", "hello")
            json.field("v", 1)
            json.field("challenge", Base64URL.encode(challenge))
            json.field("relay", Base64URL.encode(relay.bytes))
            json.field("powBits", powBits)
            json.field("maxFrame", ClientMessage.maximumFrameCount)
        case .ready(let role, let conversation, let exists):
            json.field("t", "ready")
            json.field("role", role.name)
            json.field("conversation", conversation?.base64URL)
            json.field("exists", exists)
        case .ack(let rid, let position, let version, let duplicate):
            json.field("t", "ack")
            json.field("rid", rid)
            json.field("position", position)
            json.field("version", version)
            json.field("duplicate", duplicate)
        case .event(let position, let version, let time, let kind, let bytes):
            json.field("t", "event")
            json.field("position", position)
            json.field("version", version)
            json.field("time", time)
            json.field("kind", kind.name)
            json.field("event", Base64URL.encode(bytes))
        case .record(let rid, let record, let includePayload):
            json.field("t", "record")
            json.field("rid", rid)
            json.field("position", record.position)
            json.field("stream", record.stream.value)
            json.field("version", record.streamVersion)
            json.field("id", Base64URL.encode(record.id.bytes))
            json.field("type", record.type.value)
            json.field("author", Base64URL.encode(record.author.bytes))
            json.field("time", record.timeMilliseconds)
            json.field("metadata", Base64URL.encode(record.metadata))
            json.field("length", record.payloadLength)
            json.field("payloadHash", Base64URL.encode(record.payloadHash.bytes))
            json.field("chain", Base64URL.encode(record.chain.bytes))
            json.field("redacted", record.isRedacted)
            json.field("payload", includePayload ? Base64URL.encode(record.payload) : nil)
        case .records(let rid, let head, let next):
            json.field("t", "records")
            json.field("rid", rid)
            json.field("log", Base64URL.encode(head.logID.bytes))
            json.field("count", head.count)
            json.field("chain", Base64URL.encode(head.chain.bytes))
            json.field("next", next)
        case .live(let position):
            json.field("t", "live")
            json.field("position", position)
        case .pong(let rid):
            json.field("t", "pong")
            json.field("rid", rid)
        case .error(let rid, let error):
            json.field("t", "error")
            json.field("rid", rid)
            json.field("code", error.code.name)
            json.field("message", error.message)
        }
        return json.text
    }

    /// Whether the relay closes the connection after sending this.
    public var endsConnection: Bool {
        if case .error(_, let error) = self { return error.code.isFatal }
        return false
    }
}
