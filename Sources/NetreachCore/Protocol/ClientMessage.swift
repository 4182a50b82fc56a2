public import Sodium

/// A message from a client, validated into types that cannot be invalid (docs/PROTOCOL.md, "Session").
public enum ClientMessage: Sendable, Equatable {
    case auth(role: AuthProof.Role, key: SigningPublicKey, signature: Signature)
    /// The event's signature is not checked here: the relay checks who is asking first (docs/PROTOCOL.md, "Who may append what").
    case open(rid: String?, event: UnverifiedEvent, pow: [UInt8])
    case append(rid: String?, event: UnverifiedEvent, expect: UInt64?)
    case subscribe(from: UInt64)
    case ping(rid: String?)
    /// A supervisor's request for the log's records themselves, to check its chain (docs/PROTOCOL.md, "Records").
    case records(rid: String?, from: UInt64, limit: Int)

    /// The most records one `records` request returns.
    public static let maximumRecords = 500

    /// The longest frame the relay accepts.
    public static let maximumFrameCount = 131_072

    /// Parses one text frame; no signature is checked. `rid` is returned separately so that an error can still echo it.
    public static func parse(_ text: String) -> (rid: String?, result: Result<ClientMessage, ProtocolError>) {
        guard text.utf8.count <= maximumFrameCount else {
            return (nil, .failure(ProtocolError(.tooLarge, "a frame is at most \(maximumFrameCount) bytes")))
        }
        let fields: [String: WireValue]
        do {
            fields = try WireJSON.parseObject(text)
        } catch {
            return (nil, .failure(error))
        }
        var rid: String?
        if let value = fields["rid"] {
            guard case .string(let string) = value, string.count <= 64 else {
                return (nil, .failure(ProtocolError(.malformed, "rid is a string of at most 64 characters")))
            }
            rid = string
        }
        return (rid, Result { () throws(ProtocolError) in try message(fields, rid: rid) })
    }

    private static func message(_ fields: [String: WireValue], rid: String?) throws(ProtocolError) -> ClientMessage {
        guard let type = fields["t"]?.string else { throw ProtocolError(.malformed, "field t (the message type) is missing") }
        switch type {
        case "auth":
            let roleName = try string(fields, "role")
            guard let role = [AuthProof.Role.visitor, .staff].first(where: { $0.name == roleName }) else {
                throw ProtocolError(.malformed, "role is visitor or staff")
            }
            guard let key = try? SigningPublicKey(try base64(fields, "key")) else { throw ProtocolError(.malformed, "key is 32 bytes") }
            guard let signature = try? Signature(try base64(fields, "sig")) else { throw ProtocolError(.malformed, "sig is 64 bytes") }
            return .auth(role: role, key: key, signature: signature)
        case "open":
            let pow = try base64(fields, "pow")
            guard pow.count == ProofOfWork.nonceCount else { throw ProtocolError(.malformed, "pow is 8 bytes") }
            return .open(rid: rid, event: try UnverifiedEvent(bytes: try base64(fields, "event")), pow: pow)
        case "append":
            var expect: UInt64?
            if let value = fields["expect"], value != .null { expect = try integer(value, "expect") }
            return .append(rid: rid, event: try UnverifiedEvent(bytes: try base64(fields, "event")), expect: expect)
        case "subscribe":
            guard let value = fields["from"] else { throw ProtocolError(.malformed, "field from is missing") }
            return .subscribe(from: try integer(value, "from"))
        case "ping":
            return .ping(rid: rid)
        case "records":
            guard let from = fields["from"], let limit = fields["limit"] else { throw ProtocolError(.malformed, "records needs from and limit") }
            let count = try integer(limit, "limit")
            guard (1...UInt64(ClientMessage.maximumRecords)).contains(count) else {
                throw ProtocolError(.malformed, "limit is 1…\(ClientMessage.maximumRecords)")
            }
            return .records(rid: rid, from: try integer(from, "from"), limit: Int(count))
        default:
            throw ProtocolError(.unknownType, "unknown message type '\(type.prefix(40))'")
        }
    }

    private static func string(_ fields: [String: WireValue], _ name: String) throws(ProtocolError) -> String {
        guard let value = fields[name]?.string else { throw ProtocolError(.malformed, "field \(name) must be a string") }
        return value
    }

    private static func base64(_ fields: [String: WireValue], _ name: String) throws(ProtocolError) -> [UInt8] {
        let text = try string(fields, name)
        guard let bytes = try? Base64URL.decode(text) else { throw ProtocolError(.badBase64, "field \(name) is not b64u") }
        return bytes
    }

    private static func integer(_ value: WireValue, _ name: String) throws(ProtocolError) -> UInt64 {
        guard case .unsigned(let number) = value else {
            throw ProtocolError(.malformed, "field \(name) must be a whole number ≥ 0")
        }
        return number
    }
}
