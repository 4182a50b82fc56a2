import Foundation
import EventLog
import NetreachCore
import Sodium
import Testing

/// The client's reader of relay messages: everything the relay writes reads back as itself, and
/// anything else is a typed refusal, never a trap (a hostile relay chooses these bytes).
@Suite("Protocol: messages from the relay")
struct ServerMessageTests {
    static let relay = SigningKeyPair.generate()
    static let visitor = VisitorIdentity(phrase: .generate())

    static func record(payload: [UInt8], redacted: Bool = false) throws -> RecordedEvent {
        RecordedEvent(position: 12, stream: try StreamName("conv:" + visitor.conversation.base64URL), streamVersion: 3, id: .random(),
                      type: EventType("message.posted"), author: try AuthorID(KeyID(visitor.signing.publicKey).bytes),
                      timeMilliseconds: 1_764_633_600_000, metadata: [1, 2], payload: payload, payloadLength: 5,
                      payloadHash: try Digest32(GenericHash.hash([1, 2, 3, 4, 5], outputCount: 32)),
                      chain: try Digest32([UInt8](repeating: 9, count: 32)), isRedacted: redacted)
    }

    static func everyKind() throws -> [ServerMessage] {
        let event = try Event(kind: .messagePosted, conversation: visitor.conversation, clientTimeMilliseconds: 42,
                              content: Array("content".utf8), signer: visitor.signing)
        let head = LogHead(logID: .random(), count: 13, chain: try Digest32([UInt8](repeating: 4, count: 32)))
        return [
            .hello(challenge: Random.bytes(count: 32), relay: relay.publicKey, powBits: 16),
            .ready(role: .visitor, conversation: visitor.conversation, exists: true),
            .ready(role: .staff, conversation: nil, exists: false),
            .ack(rid: "r1", position: 41, version: 3, duplicate: true),
            .ack(rid: nil, position: 0, version: 0, duplicate: false),
            .event(position: 7, version: 2, timeMilliseconds: 1_764_633_600_000, kind: .messagePosted, bytes: event.bytes),
            .live(position: UInt64.max),
            .pong(rid: "p"),
            .error(rid: nil, ProtocolError(.revokedKey, "your key was revoked \"today\"\n")),
            .error(rid: "x", ProtocolError(.damaged, "the relay's log is damaged")),
            .record(rid: "records-0", try record(payload: [1, 2, 3, 4, 5]), includePayload: true),
            .record(rid: "records-0", try record(payload: []), includePayload: false),
            .record(rid: "records-0", try record(payload: [], redacted: true), includePayload: false),
            .records(rid: "records-0", head: head, next: 13),
        ]
    }

    @Test("every message the relay writes reads back as itself")
    func roundTrip() throws {
        for message in try Self.everyKind() {
            #expect(try ServerMessage.parse(message.text) == message, "\(message.text)")
            #expect(message.type == (try WireJSON.parseObject(message.text)["t"]?.string))
        }
    }

    /// One bad frame, and the code the reader refuses it with.
    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let code: ProtocolError.Code
        var testDescription: String { name }
    }

    static let key = Base64URL.encode([UInt8](repeating: 1, count: 32))
    static let challenge = Base64URL.encode([UInt8](repeating: 2, count: 32))

    static let bad: [Bad] = [
        Bad(name: "not JSON", text: "hello", code: .malformed),
        Bad(name: "an array", text: "[1]", code: .malformed),
        Bad(name: "no type", text: #"{"position":1}"#, code: .malformed),
        Bad(name: "a type that is not a string", text: #"{"t":1}"#, code: .malformed),
        Bad(name: "an unknown type", text: #"{"t":"party"}"#, code: .unknownType),
        Bad(name: "hello of another version", text: #"{"t":"hello","v":2,"challenge":"\#(challenge)","relay":"\#(key)","powBits":1}"#, code: .malformed),
        Bad(name: "hello asking for endless work", text: #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"\#(key)","powBits":99}"#, code: .malformed),
        Bad(name: "hello with a short challenge", text: #"{"t":"hello","v":1,"challenge":"AAAA","relay":"\#(key)","powBits":1}"#, code: .malformed),
        Bad(name: "hello with a short relay key", text: #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"AAAA","powBits":1}"#, code: .malformed),
        Bad(name: "hello with powBits as text", text: #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"\#(key)","powBits":"16"}"#, code: .malformed),
        Bad(name: "ready with an unknown role", text: #"{"t":"ready","role":"admin","conversation":null,"exists":false}"#, code: .malformed),
        Bad(name: "ack with a negative position", text: #"{"t":"ack","rid":"r","position":-1,"version":0,"duplicate":false}"#, code: .malformed),
        Bad(name: "ack with a fractional version", text: #"{"t":"ack","rid":"r","position":1,"version":0.5,"duplicate":false}"#, code: .malformed),
        Bad(name: "ack without duplicate", text: #"{"t":"ack","rid":"r","position":1,"version":0}"#, code: .malformed),
        Bad(name: "ack with a rid of 65 characters", text: #"{"t":"ack","rid":"\#(String(repeating: "r", count: 65))","position":1,"version":0,"duplicate":false}"#, code: .malformed),
        Bad(name: "event of an unknown kind", text: #"{"t":"event","position":1,"version":0,"time":0,"kind":"party.started","event":"AAAA"}"#, code: .unknownKind),
        Bad(name: "event not in b64u", text: #"{"t":"event","position":1,"version":0,"time":0,"kind":"message.posted","event":"*!"}"#, code: .badBase64),
        Bad(name: "error with an unknown code", text: #"{"t":"error","rid":null,"code":"oops","message":"m"}"#, code: .malformed),
        Bad(name: "error without a message", text: #"{"t":"error","rid":null,"code":"forbidden"}"#, code: .malformed),
        Bad(name: "records with a short chain", text: #"{"t":"records","rid":"r","log":"\#(Base64URL.encode([UInt8](repeating: 3, count: 16)))","count":1,"chain":"AAAA","next":1}"#, code: .malformed),
        Bad(name: "a duplicated field", text: #"{"t":"live","position":1,"position":2}"#, code: .malformed),
        Bad(name: "a frame over 1 MiB", text: #"{"t":"live","position":1,"pad":""# + String(repeating: "x", count: 1 << 20) + #""}"#, code: .tooLarge),
    ]

    @Test("a frame that is not a valid relay message is refused with a typed error", arguments: bad)
    func refusesBad(_ bad: Bad) {
        #expect(throws: ProtocolError.self) { try ServerMessage.parse(bad.text) }
        do {
            _ = try ServerMessage.parse(bad.text)
        } catch {
            #expect(error.code == bad.code, "\(error)")
        }
    }

    @Test("a record whose payload is not its stated length is refused; a redacted one may have none")
    func recordPayloadLength() throws {
        let good = ServerMessage.record(rid: "r", try Self.record(payload: [1, 2, 3, 4, 5]), includePayload: true)
        let short = good.text.replacingOccurrences(of: #""length":5"#, with: #""length":6"#)
        #expect(short != good.text)
        #expect(throws: ProtocolError.self) { try ServerMessage.parse(short) }
        let redacted = ServerMessage.record(rid: "r", try Self.record(payload: [], redacted: true), includePayload: false)
        #expect(try ServerMessage.parse(redacted.text) == redacted)
    }

    @Test("the fuzz seeds are valid relay messages, so that fuzzing starts from every type")
    func fuzzSeeds() throws {
        let folder = repositoryRoot.appendingPathComponent("Fuzz/seeds/client")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 9)
        var types: Set<String> = []
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let message = try ServerMessage.parse(text)
            types.insert(message.type)
        }
        #expect(types == ["hello", "ready", "ack", "event", "live", "pong", "error", "record", "records"])
    }
}
