import Foundation
public import NetreachCore
public import Sodium

/// A message from a client, validated into types that cannot be invalid (docs/PROTOCOL.md, "Session").
public enum ClientMessage: Sendable, Equatable {
    case auth(role: AuthProof.Role, key: SigningPublicKey, signature: Signature)
    case open(rid: String?, event: Event, pow: [UInt8])
    case append(rid: String?, event: Event, expect: UInt64?)
    case subscribe(from: UInt64)
    case ping(rid: String?)

    /// The longest frame the relay accepts.
    public static let maximumFrameCount = 131_072
    /// JSON deeper than this is refused before it is parsed: no message of this version nests.
    static let maximumDepth = 4

    /// Parses one text frame. `rid` is returned separately so that an error can still echo it.
    public static func parse(_ text: String) -> (rid: String?, result: Result<ClientMessage, ProtocolError>) {
        let utf8 = Array(text.utf8)
        guard utf8.count <= maximumFrameCount else {
            return (nil, .failure(ProtocolError(.tooLarge, "a frame is at most \(maximumFrameCount) bytes")))
        }
        guard depth(of: utf8) <= maximumDepth,
              let object = try? JSONSerialization.jsonObject(with: Data(utf8)), let fields = object as? [String: Any]
        else { return (nil, .failure(ProtocolError(.malformed, "a frame is one JSON object"))) }
        var rid: String?
        if let value = fields["rid"] {
            guard let string = value as? String, string.count <= 64 else {
                return (nil, .failure(ProtocolError(.malformed, "rid is a string of at most 64 characters")))
            }
            rid = string
        }
        return (rid, Result { () throws(ProtocolError) in try message(fields, rid: rid) })
    }

    private static func message(_ fields: [String: Any], rid: String?) throws(ProtocolError) -> ClientMessage {
        guard let type = fields["t"] as? String else { throw ProtocolError(.malformed, "field t (the message type) is missing") }
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
            return .open(rid: rid, event: try Event(bytes: try base64(fields, "event")), pow: pow)
        case "append":
            var expect: UInt64?
            if let value = fields["expect"], !(value is NSNull) { expect = try integer(value, "expect") }
            return .append(rid: rid, event: try Event(bytes: try base64(fields, "event")), expect: expect)
        case "subscribe":
            guard let value = fields["from"] else { throw ProtocolError(.malformed, "field from is missing") }
            return .subscribe(from: try integer(value, "from"))
        case "ping":
            return .ping(rid: rid)
        default:
            throw ProtocolError(.unknownType, "unknown message type '\(type.prefix(40))'")
        }
    }

    private static func string(_ fields: [String: Any], _ name: String) throws(ProtocolError) -> String {
        guard let value = fields[name] as? String else { throw ProtocolError(.malformed, "field \(name) must be a string") }
        return value
    }

    private static func base64(_ fields: [String: Any], _ name: String) throws(ProtocolError) -> [UInt8] {
        let text = try string(fields, name)
        guard let bytes = try? Base64URL.decode(text) else { throw ProtocolError(.badBase64, "field \(name) is not b64u") }
        return bytes
    }

    private static func integer(_ value: Any, _ name: String) throws(ProtocolError) -> UInt64 {
        // JSON numbers arrive as NSNumber, and so do booleans (objCType "c") and fractions ("d"):
        // only integer storage types count, and signed ones only when not negative.
        let refusal = ProtocolError(.malformed, "field \(name) must be a whole number ≥ 0")
        guard let number = value as? NSNumber else { throw refusal }
        switch String(cString: number.objCType) {
        case "Q", "L", "I", "S":
            return number.uint64Value
        case "q", "l", "i", "s":
            guard number.int64Value >= 0 else { throw refusal }
            return UInt64(number.int64Value)
        default:
            throw refusal
        }
    }

    /// The deepest nesting of arrays and objects, outside strings; stops counting past the limit.
    static func depth(of utf8: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > maximumDepth { return deepest }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
