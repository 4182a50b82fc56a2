public import EventLog
public import Sodium

/// A message from the relay (docs/PROTOCOL.md, "Session" and "Errors"): written by the relay with
/// `text`, read by clients with `parse`, which takes nothing on trust (the relay may be hostile, or
/// someone in the middle of a plain `ws://` connection).
public enum ServerMessage: Sendable, Equatable {
    case hello(challenge: [UInt8], relay: SigningPublicKey, powBits: Int)
    /// `erased`: the visitor's conversation exists but its content was erased (docs/PRIVACY.md); absent from older relays: false.
    case ready(role: AuthProof.Role, conversation: ConversationID?, exists: Bool, erased: Bool = false)
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
        case .ready(let role, let conversation, let exists, let erased):
            json.field("t", "ready")
            json.field("role", role.name)
            json.field("conversation", conversation?.base64URL)
            json.field("exists", exists)
            json.field("erased", erased)
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

extension ServerMessage {
    /// The message's type, as in its `t` field.
    public var type: String {
        switch self {
        case .hello: "hello"
        case .ready: "ready"
        case .ack: "ack"
        case .event: "event"
        case .live: "live"
        case .pong: "pong"
        case .error: "error"
        case .record: "record"
        case .records: "records"
        }
    }

    /// The request id the message answers, for the types that carry one (`nil` also when the relay
    /// sent `null`: an error it could not tie to a request).
    public var rid: String? {
        switch self {
        case .ack(let rid, _, _, _), .pong(let rid), .error(let rid, _), .record(let rid, _, _), .records(let rid, _, _): rid
        case .hello, .ready, .event, .live: nil
        }
    }

    /// Reads one text frame from a relay, strictly: every field a type needs is present with the
    /// right JSON type, numbers are whole and non-negative, keys, hashes and ids have their exact
    /// lengths, and kinds and error codes are ones this version knows. Unknown fields are ignored
    /// (a newer relay may add some). Nothing here traps, whatever the text.
    public static func parse(_ text: String) throws(ProtocolError) -> ServerMessage {
        guard text.utf8.count <= maximumFrameCount else {
            throw ProtocolError(.tooLarge, "a message from the relay is at most \(maximumFrameCount) bytes")
        }
        let fields = Fields(try WireJSON.parseObject(text))
        let type = try fields.string("t")
        switch type {
        case "hello":
            guard try fields.number("v") == 1 else { throw ProtocolError(.malformed, "hello: this client speaks version 1 only") }
            let powBits = try fields.number("powBits")
            guard powBits <= ProofOfWork.maximumBits else {
                throw ProtocolError(.malformed, "hello: powBits is at most \(ProofOfWork.maximumBits)")
            }
            let challenge = try fields.bytes("challenge")
            guard challenge.count == challengeCount else { throw ProtocolError(.malformed, "hello: the challenge is \(challengeCount) bytes") }
            return .hello(challenge: challenge, relay: try fields.value("relay", SigningPublicKey.init), powBits: Int(powBits))
        case "ready":
            let roleName = try fields.string("role")
            guard let role = [AuthProof.Role.visitor, .staff].first(where: { $0.name == roleName }) else {
                throw ProtocolError(.malformed, "ready: role is visitor or staff")
            }
            let conversation: ConversationID? = try fields.isNull("conversation")
                ? nil : try fields.value("conversation") { try ConversationID($0) }
            return .ready(role: role, conversation: conversation, exists: try fields.bool("exists"),
                          erased: try fields.isNull("erased") ? false : try fields.bool("erased"))
        case "ack":
            return .ack(rid: try fields.rid(), position: try fields.number("position"), version: try fields.number("version"),
                        duplicate: try fields.bool("duplicate"))
        case "event":
            let kindName = try fields.string("kind")
            guard let kind = EventKind(name: kindName) else { throw ProtocolError(.unknownKind, "event: unknown kind '\(kindName.prefix(40))'") }
            return .event(position: try fields.number("position"), version: try fields.number("version"),
                          timeMilliseconds: try fields.number("time"), kind: kind, bytes: try fields.bytes("event"))
        case "live":
            return .live(position: try fields.number("position"))
        case "pong":
            return .pong(rid: try fields.rid())
        case "error":
            let name = try fields.string("code")
            guard let code = ProtocolError.Code.all.first(where: { $0.name == name }) else {
                throw ProtocolError(.malformed, "error: unknown code '\(name.prefix(40))'")
            }
            return .error(rid: try fields.rid(), ProtocolError(code, try fields.string("message")))
        case "record":
            return try record(fields)
        case "records":
            let head = LogHead(logID: try fields.value("log", LogID.init), count: try fields.number("count"),
                               chain: try fields.value("chain", Digest32.init))
            return .records(rid: try fields.rid(), head: head, next: try fields.number("next"))
        default:
            throw ProtocolError(.unknownType, "unknown message type '\(type.prefix(40))'")
        }
    }

    /// The longest message a client reads: an `event` carries at most one client frame's event, and a
    /// `record` at most a whole payload, each in b64u with its fields around it.
    public static let maximumFrameCount = 1 << 20

    /// The length of the relay's challenge in `hello`.
    public static let challengeCount = 32

    private static func record(_ fields: Fields) throws(ProtocolError) -> ServerMessage {
        let includePayload = !(try fields.isNull("payload"))
        let payload = includePayload ? try fields.bytes("payload") : []
        let length = try fields.number("length")
        let hash = try fields.value("payloadHash", Digest32.init)
        let redacted = try fields.bool("redacted")
        guard length <= UInt64(Int32.max), !includePayload || redacted || payload.count == Int(length) else {
            throw ProtocolError(.malformed, "record: the payload's length is not the one given")
        }
        let record = RecordedEvent(
            position: try fields.number("position"), stream: try fields.named("stream") { try StreamName($0) },
            streamVersion: try fields.number("version"), id: try fields.value("id", EventID.init),
            type: try fields.named("type") { try EventType($0) }, author: try fields.value("author", AuthorID.init),
            timeMilliseconds: try fields.number("time"), metadata: try fields.bytes("metadata"), payload: payload,
            payloadLength: Int(length), payloadHash: hash, chain: try fields.value("chain", Digest32.init), isRedacted: redacted)
        return .record(rid: try fields.rid(), record, includePayload: includePayload)
    }

    /// Typed access to a frame's fields, each failure naming the field.
    private struct Fields {
        let values: [String: WireValue]

        init(_ values: [String: WireValue]) { self.values = values }

        func string(_ name: String) throws(ProtocolError) -> String {
            guard case .string(let value)? = values[name] else { throw ProtocolError(.malformed, "field \(name) must be a string") }
            return value
        }

        func number(_ name: String) throws(ProtocolError) -> UInt64 {
            guard case .unsigned(let value)? = values[name] else {
                throw ProtocolError(.malformed, "field \(name) must be a whole number ≥ 0")
            }
            return value
        }

        func bool(_ name: String) throws(ProtocolError) -> Bool {
            guard case .bool(let value)? = values[name] else { throw ProtocolError(.malformed, "field \(name) must be true or false") }
            return value
        }

        /// Whether the field is `null` or absent.
        func isNull(_ name: String) throws(ProtocolError) -> Bool {
            values[name] == nil || values[name] == .null
        }

        func bytes(_ name: String) throws(ProtocolError) -> [UInt8] {
            let text = try string(name)
            guard let bytes = try? Base64URL.decode(text) else { throw ProtocolError(.badBase64, "field \(name) is not b64u") }
            return bytes
        }

        /// A field read through one of the model's validating initialisers (a key, an id, a hash).
        func value<T>(_ name: String, _ make: ([UInt8]) throws -> T) throws(ProtocolError) -> T {
            let raw = try bytes(name)
            do { return try make(raw) } catch { throw ProtocolError(.malformed, "field \(name) is not valid: \(error)") }
        }

        func named<T>(_ name: String, _ make: (String) throws -> T) throws(ProtocolError) -> T {
            let raw = try string(name)
            do { return try make(raw) } catch { throw ProtocolError(.malformed, "field \(name) is not valid: \(error)") }
        }

        /// The echoed request id: a string of at most 64 characters, or null.
        func rid() throws(ProtocolError) -> String? {
            if try isNull("rid") { return nil }
            let rid = try string("rid")
            guard rid.count <= 64 else { throw ProtocolError(.malformed, "rid is at most 64 characters") }
            return rid
        }
    }
}
