import Foundation
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import NetreachClient
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// docs/PROTOCOL.md's error catalogue, each case against a live relay: the documented error, nothing
/// stored, and the connection (or, after a fatal error, the relay) still serving.
@Suite("Relay: bad input")
struct BadInputTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case notJSON, jsonArray, typeNotString, missingField, unknownType, badBase64, deepJSON, negativeExpect
        case appendBeforeAuth, wrongSignature, visitorWritesElsewhere, visitorWritesStaffKind, staffWritesVisitorKind
        case missingProofOfWork, openTwice, appendToUnopened, versionConflict, duplicateIDOtherContent, unpaddedMessage
        case openWithoutSelfWrap, eventSignedByOtherKey, openCutInVisitorKey, openCutInNonce, keyWrappedCutInNonce
        case replayedChallenge, revokedStaffKey, unknownStaffKey, secondAuth, binaryFrame, oversizeFrame, invalidUTF8
        case tamperedEventBeforeAuth, tamperedEventOfOtherAuthor, tamperedStaffKindFromVisitor, openedByAppend
        case openWithBadLanguageField, openWithCutLanguageField, staffWritesFeedback, unpaddedFeedback, feedbackElsewhere

        var testDescription: String { rawValue }
    }

    @Test("each bad input gets its documented answer and nothing is stored", arguments: Case.allCases)
    func catalogue(_ badCase: Case) async throws {
        let deployment = try Deployment(staffNames: ["sam", "alex", "gone"])
        try await withTestRelay(directory: try deployment.keyring(revoking: ["gone"])) { relay in
            try await Self.check(badCase, deployment: deployment, relay: relay)
        }
    }

    static func check(_ badCase: Case, deployment: Deployment, relay: TestRelay) async throws {
        let visitor = VisitorClient(), other = VisitorClient()
        // A conversation that exists, so that appends to it are otherwise valid.
        let setup = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        _ = await setup.authenticate(visitor.identity.signing, role: .visitor)
        #expect(await setup.open(try visitor.openedEvent(for: deployment, excluding: ["gone"]))?["t"] as? String == "ack")
        let headBefore = relay.core.store.currentHead().count

        let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        let sam = deployment.member("sam")
        var expected: String?
        var fatal = false
        var answer: RelayMessage?
        switch badCase {
        case .notJSON:
            client.sendRaw("hello?"); expected = "malformed"
        case .jsonArray:
            client.sendRaw("[1,2,3]"); expected = "malformed"
        case .typeNotString:
            client.sendRaw(#"{"t":5}"#); expected = "malformed"
        case .missingField:
            client.send(["t": "subscribe"]); expected = "malformed"
        case .unknownType:
            client.send(["t": "dance"]); expected = "unknownType"
        case .badBase64:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            client.send(["t": "append", "rid": "r", "event": "not*base64!"]); expected = "badBase64"
        case .deepJSON:
            client.sendRaw(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)); expected = "malformed"
        case .negativeExpect:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            client.send(["t": "append", "rid": "r", "event": Base64URL.encode(try visitor.message("x").bytes), "expect": -1])
            expected = "malformed"
        case .appendBeforeAuth:
            answer = await client.append(try visitor.message("too early")); expected = "notAuthenticated"
        case .wrongSignature:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            var bytes = try visitor.message("tampered").bytes
            bytes[bytes.count - 3] ^= 1
            client.send(["t": "append", "rid": "r", "event": Base64URL.encode(bytes)]); expected = "badSignature"
        case .visitorWritesElsewhere:
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            let intrusion = try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                      content: SealedText.seal("not yours", key: SecretBox.generateKey()), signer: other.identity.signing)
            answer = await client.append(intrusion); expected = "forbidden"
        case .visitorWritesStaffKind:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            let claim = try Event(kind: .conversationClaimed, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: [], signer: visitor.identity.signing)
            answer = await client.append(claim); expected = "forbidden"
        case .staffWritesVisitorKind:
            _ = await client.authenticate(sam.signing, role: .staff)
            let fake = try Event(kind: .conversationOpened, conversation: other.identity.conversation, clientTimeMilliseconds: 0,
                                 content: try other.openedEvent(for: deployment, excluding: ["gone"]).content, signer: sam.signing)
            answer = await client.append(fake); expected = "forbidden"
        case .missingProofOfWork:
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            // A nonce that does not meet the work: a fixed one would, once in 2^bits runs, by chance (a CI run met it).
            let conversation = other.identity.conversation
            let short = (UInt64(0)...).lazy.map { Array(withUnsafeBytes(of: $0.littleEndian, Array.init)) }
                .first { !ProofOfWork.isValid(nonce: $0, challenge: client.challenge, conversation: conversation, bits: client.powBits) }!
            answer = await client.open(try other.openedEvent(for: deployment, excluding: ["gone"]), pow: short)
            expected = "powRequired"
        case .openTwice:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            answer = await client.open(try visitor.openedEvent(for: deployment, excluding: ["gone"])); expected = "conversationExists"
        case .appendToUnopened:
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            answer = await client.append(try other.message("nobody opened this")); expected = "noSuchConversation"
        case .versionConflict:
            _ = await client.authenticate(sam.signing, role: .staff)
            let claim = try Event(kind: .conversationClaimed, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: [], signer: sam.signing)
            answer = await client.append(claim, expect: 7); expected = "versionConflict"
        case .duplicateIDOtherContent:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            let original = try visitor.message("first")
            #expect(await client.append(original, rid: "one")?["t"] as? String == "ack")
            let reused = try Event(kind: .messagePosted, id: original.id, conversation: visitor.identity.conversation,
                                   clientTimeMilliseconds: 0, content: SealedText.seal("second", key: visitor.conversationKey),
                                   signer: visitor.identity.signing)
            answer = await client.append(reused, rid: "two"); expected = "duplicateConflict"
        case .unpaddedMessage:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            let raw = try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                content: Random.bytes(count: 100), signer: visitor.identity.signing)
            answer = await client.append(raw); expected = "malformed"
        case .staffWritesFeedback:
            // Feedback is the visitor's own word: staff cannot write it, even sealed with the right key.
            _ = await client.authenticate(sam.signing, role: .staff)
            let feedback = try VisitorFeedback(helpful: .yes, safer: .yes, helpedMost: .health)
            let event = try Event(kind: .feedbackGiven, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: SealedText.seal(feedback.text, key: visitor.conversationKey), signer: sam.signing)
            answer = await client.append(event); expected = "forbidden"
        case .unpaddedFeedback:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            let raw = try Event(kind: .feedbackGiven, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                content: Random.bytes(count: 100), signer: visitor.identity.signing)
            answer = await client.append(raw); expected = "malformed"
        case .feedbackElsewhere:
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            let feedback = try VisitorFeedback(helpful: .no, safer: nil, helpedMost: nil)
            let event = try Event(kind: .feedbackGiven, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: SealedText.seal(feedback.text, key: SecretBox.generateKey()), signer: other.identity.signing)
            answer = await client.append(event); expected = "forbidden"
        case .openWithoutSelfWrap:
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            let staffOnly = ConversationOpened(visitorBoxKey: other.identity.box.publicKey, wraps: [
                Wrap(key: other.conversationKey, to: sam.keyID, recipientKey: sam.box.publicKey, from: other.identity.box)])
            let event = try Event(kind: .conversationOpened, conversation: other.identity.conversation, clientTimeMilliseconds: 0,
                                  content: staffOnly.content, signer: other.identity.signing)
            answer = await client.open(event); expected = "malformed"
        case .openCutInVisitorKey, .openCutInNonce:
            // Cut inside the visitor's box key, or inside the first wrap's nonce (32 + 2-byte count + 16 + 10).
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            let full = try ConversationOpened(content: try other.openedEvent(for: deployment, excluding: ["gone"]).content).content
            let cut = Array(full.prefix(badCase == .openCutInVisitorKey ? 20 : 32 + 2 + 16 + 10))
            let event = try Event(kind: .conversationOpened, conversation: other.identity.conversation, clientTimeMilliseconds: 0,
                                  content: cut, signer: other.identity.signing)
            answer = await client.open(event); expected = "malformed"
        case .openWithBadLanguageField, .openWithCutLanguageField:
            // After the wraps: 100 bytes that are no sealed text, or a sealed language one byte short.
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            let plain = try ConversationOpened(content: try other.openedEvent(for: deployment, excluding: ["gone"]).content).content
            let withLanguage = try ConversationOpened(content: try other.openedEvent(for: deployment, language: VisitorLanguage("ro"), excluding: ["gone"]).content)
            let content = badCase == .openWithBadLanguageField ? plain + Random.bytes(count: 100) : Array(withLanguage.content.dropLast())
            let event = try Event(kind: .conversationOpened, conversation: other.identity.conversation, clientTimeMilliseconds: 0,
                                  content: content, signer: other.identity.signing)
            answer = await client.open(event); expected = "malformed"
        case .keyWrappedCutInNonce:
            _ = await client.authenticate(sam.signing, role: .staff)
            let full = KeyWrapped(purpose: .staffKey, wraps: [
                Wrap(key: SecretBox.generateKey(), to: sam.keyID, recipientKey: sam.box.publicKey, from: sam.box)]).content
            let event = try Event(kind: .keyWrapped, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: Array(full.prefix(1 + 2 + 16 + 10)), signer: sam.signing)
            answer = await client.append(event); expected = "malformed"
        case .eventSignedByOtherKey:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            answer = await client.append(try other.message("someone else's event")); expected = "forbidden"
        case .replayedChallenge:
            // An auth message captured from another connection: its signature covers that connection's challenge.
            let signature = sam.signing.sign(AuthProof.signedInput(challenge: setup.challenge, relay: setup.relayKey, role: .staff))
            client.send(["t": "auth", "role": "staff", "key": Base64URL.encode(sam.signing.publicKey.bytes),
                         "sig": Base64URL.encode(signature.bytes)])
            expected = "badChallenge"; fatal = true
        case .revokedStaffKey:
            answer = await client.authenticate(deployment.member("gone").signing, role: .staff); expected = "revokedKey"; fatal = true
        case .unknownStaffKey:
            answer = await client.authenticate(SigningKeyPair.generate(), role: .staff); expected = "unknownKey"; fatal = true
        case .secondAuth:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            answer = await client.authenticate(visitor.identity.signing, role: .visitor); expected = "badChallenge"; fatal = true
        case .binaryFrame:
            client.sendBinary([1, 2, 3]); expected = "tooLarge"; fatal = true
        case .oversizeFrame:
            client.sendRaw(String(repeating: "x", count: ClientMessage.maximumFrameCount + 1)); expected = "tooLarge"; fatal = true
        case .invalidUTF8:
            // A valid append whose rid holds a byte that is never UTF-8: the WebSocket layer closes (1007).
            let frame = #"{"t":"append","rid":"\#u{01}","event":"\#(Base64URL.encode(try visitor.message("x").bytes))"}"#
            client.sendText(bytes: Array(frame.utf8).map { $0 == 0x01 ? 0xFF : $0 }); fatal = true
        // Cheap checks come before the signature check: a tampered event is refused for who sends it, not for its signature.
        case .tamperedEventBeforeAuth:
            answer = await client.append(try Self.tampered(visitor.message("too early and forged"))); expected = "notAuthenticated"
        case .tamperedEventOfOtherAuthor:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            answer = await client.append(try Self.tampered(other.message("forged, and not mine"))); expected = "forbidden"
        case .tamperedStaffKindFromVisitor:
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            let claim = try Event(kind: .conversationClaimed, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: [], signer: visitor.identity.signing)
            answer = await client.append(try Self.tampered(claim)); expected = "forbidden"
        case .openedByAppend:
            // `open` is the only way in: it carries the proof of work and counts against the address limit.
            _ = await client.authenticate(other.identity.signing, role: .visitor)
            answer = await client.append(try other.openedEvent(for: deployment, excluding: ["gone"])); expected = "malformed"
        }
        if answer == nil && expected != nil { answer = await client.next("error") }
        if let expected {
            #expect(answer?["t"] as? String == "error", "\(String(describing: answer))")
            #expect(answer?["code"] as? String == expected, "\(String(describing: answer))")
        }
        if fatal {
            // Nothing follows a fatal error: the next thing is the close (waited for patiently: a loaded run took over 5 s).
            #expect(await client.next(timeout: .seconds(30)) == nil, "nothing follows a fatal error")
            #expect(await client.isClosed, "a fatal error ends the connection")
        } else {
            client.send(["t": "ping", "rid": "still-there"])
            #expect(await client.next("pong")?["rid"] as? String == "still-there", "the connection goes on")
        }
        let expectedHead = badCase == .duplicateIDOtherContent ? headBefore + 1 : headBefore
        #expect(relay.core.store.currentHead().count == expectedHead, "nothing is stored for a refused request")
        // The relay still serves new connections.
        let fresh = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        #expect(await fresh.authenticate(other.identity.signing, role: .visitor)?["t"] as? String == "ready")
        await fresh.close()
        await client.close()
        await setup.close()
    }

    /// The event with one bit of its signature flipped: its layout parses, its signature does not verify.
    static func tampered(_ event: Event) throws -> TamperedEvent { TamperedEvent(event) }

    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        case invalidUTF8, oversizeFrame, fragmentedOversize, farOversizeFrame, binaryFrame, badAuthSignature
        var testDescription: String { rawValue }
    }

    /// The WebSocket rules of docs/PROTOCOL.md ("Transport", "Errors"), seen on the wire: the error
    /// message (if any) and the close code.
    @Test("each transport fault gets its documented error message and close code", arguments: Transport.allCases)
    func transport(_ fault: Transport) async throws {
        let limit = ClientMessage.maximumFrameCount
        let expected: (error: String?, close: WebSocketErrorCode)
        let frames: @Sendable ([String: any Sendable]) -> [WebSocketFrame]
        switch fault {
        case .invalidUTF8:
            // RFC 6455 §8.1: 1007, and no error message (there is no valid text to answer).
            let bytes = Array(#"{"t":"ping","rid":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
            frames = { _ in [WebSocketProbe.frame(.text, bytes)] }
            expected = (nil, .dataInconsistentWithMessage)
        case .oversizeFrame:
            frames = { _ in [WebSocketProbe.text(String(repeating: "x", count: limit + 1))] }
            expected = ("tooLarge", .messageTooLarge)
        case .fragmentedOversize:
            let half = Array(repeating: UInt8(ascii: "x"), count: limit / 2 + 1)
            frames = { _ in [WebSocketProbe.frame(.text, half, fin: false), WebSocketProbe.frame(.continuation, half)] }
            expected = ("tooLarge", .messageTooLarge)
        case .farOversizeFrame:
            // Beyond twice the limit the WebSocket layer closes without reading the frame.
            frames = { _ in [WebSocketProbe.text(String(repeating: "x", count: 2 * limit + 1))] }
            expected = (nil, .messageTooLarge)
        case .binaryFrame:
            frames = { _ in [WebSocketProbe.frame(.binary, [1, 2, 3])] }
            expected = ("tooLarge", .messageTooLarge)
        case .badAuthSignature:
            let key = SigningKeyPair.generate().publicKey
            frames = { _ in [WebSocketProbe.text(#"{"t":"auth","role":"visitor","key":"\#(Base64URL.encode(key.bytes))","sig":"\#(Base64URL.encode(Random.bytes(count: 64)))"}"#)] }
            expected = ("badChallenge", .policyViolation)
        }
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
            let outcome = try await WebSocketProbe.run(url: relay.webSocketURL, frames: frames)
            let errors = outcome.messages.filter { $0["t"] as? String == "error" }.map { $0["code"] as? String }
            #expect(errors == (expected.error.map { [$0] } ?? []), "\(outcome.messages)")
            #expect(outcome.closeCode == expected.close)
            #expect(relay.core.store.currentHead().count == 0)
        }
    }
}

/// An event's bytes with one bit of the signature flipped.
struct TamperedEvent {
    let bytes: [UInt8]
    init(_ event: Event) {
        var bytes = event.bytes
        bytes[bytes.count - 3] ^= 1
        self.bytes = bytes
    }
}

extension TestClient {
    /// Sends an append of bytes that are not a valid signed event.
    func append(_ tampered: TamperedEvent, rid: String = "r") async -> RelayMessage? {
        send(["t": "append", "rid": rid, "event": Base64URL.encode(tampered.bytes)])
        return await answer(to: rid)
    }
}
