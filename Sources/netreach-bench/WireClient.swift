import EventLog
import Foundation
import HummingbirdWSClient
import NetreachCore
import Sodium

/// The client side of docs/PROTOCOL.md as the relay benchmarks speak it: frames written as prepared
/// text and read with the protocol's own frame reader, so that thousands of clients in one process
/// cost little next to the relay they measure.
enum WireClient {
    /// Reads `hello`, answers the challenge and waits for `ready`; returns the challenge.
    @discardableResult
    static func authenticate(_ signing: SigningKeyPair, role: AuthProof.Role,
                             frames: inout WebSocketInboundMessageStream.AsyncIterator,
                             outbound: WebSocketOutboundWriter) async throws -> [UInt8] {
        guard case .text(let helloText)? = try await frames.next(), let hello = try? WireJSON.parseObject(helloText),
              let challenge = try? Base64URL.decode(hello["challenge"]?.string ?? ""),
              let relay = try? SigningPublicKey(Base64URL.decode(hello["relay"]?.string ?? ""))
        else { throw BenchError("no hello from the relay") }
        let signature = signing.sign(AuthProof.signedInput(challenge: challenge, relay: relay, role: role))
        var auth = WireJSONWriter()
        auth.field("t", "auth")
        auth.field("role", role.name)
        auth.field("key", Base64URL.encode(signing.publicKey.bytes))
        auth.field("sig", Base64URL.encode(signature.bytes))
        try await outbound.write(.text(auth.text))
        guard case .text(let ready)? = try await frames.next(), ready.hasPrefix(#"{"t":"ready""#) else {
            throw BenchError("authentication was refused")
        }
        return challenge
    }

    static func isAck(_ frame: WebSocketMessage?) -> Bool {
        guard case .text(let text)? = frame else { return false }
        return text.hasPrefix(#"{"t":"ack""#)
    }

    /// Subscribes from position 0 and reads up to `live`; returns how many events came before it, or
    /// nil if the connection ended first.
    static func subscribe(frames: inout WebSocketInboundMessageStream.AsyncIterator, outbound: WebSocketOutboundWriter) async throws -> Int? {
        try await outbound.write(.text(#"{"t":"subscribe","from":0}"#))
        var events = 0
        while let frame = try await frames.next() {
            guard case .text(let text) = frame else { continue }
            if text.hasPrefix(#"{"t":"live""#) { return events }
            if text.hasPrefix(#"{"t":"event""#) { events += 1 }
        }
        return nil
    }
}

/// The fields of an event's fixed header that a client sorting a stream of events needs, read from the
/// first 108 base64url characters of the `event` field without decoding or checking the rest.
struct EventHeader {
    static let encodedCount = 108  // 81 bytes: the header up to the end of the author key (docs/PROTOCOL.md, "Events")

    let id: EventID
    let conversation: ConversationID
    let author: ArraySlice<UInt8>

    init?(base64URL text: String) {
        guard text.utf8.count >= EventHeader.encodedCount,
              let bytes = try? Base64URL.decode(String(text.prefix(EventHeader.encodedCount))),
              let id = try? EventID(bytes[8..<24]), let conversation = try? ConversationID(Array(bytes[24..<40]))
        else { return nil }
        self.id = id
        self.conversation = conversation
        author = bytes[48..<80]
    }
}

/// Thousands of sockets need more descriptors than the default soft limit; a relay started afterwards inherits it.
func raiseFileLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
