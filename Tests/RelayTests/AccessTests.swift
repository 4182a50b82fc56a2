import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

@Suite("Relay: who sees what, resuming, revocation")
struct AccessTests {
    /// Runs `body` with a relay holding one open conversation, and the visitor and staff clients,
    /// authenticated; both are closed and the relay stopped and removed afterwards.
    static func conversation(_ body: (TestRelay, Deployment, VisitorClient, TestClient, TestClient) async throws -> Void) async throws {
        try await OpenConversation.with { relay, deployment, visitor, visitorClient in
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(deployment.member("sam").signing, role: .staff)
            do {
                try await body(relay, deployment, visitor, visitorClient, staff)
            } catch {
                await staff.close()
                throw error
            }
            await staff.close()
        }
    }

    @Test("a visitor never receives staff-only events, while staff receive everything")
    func visitorDoesNotSeeStaffNotes() async throws {
        try await Self.conversation { relay, deployment, visitor, visitorClient, staff in
            let sam = deployment.member("sam")
            let staffKey = SecretBox.generateKey()
            let note = try Event(kind: .noteAdded, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: SealedText.seal("visitor seemed frightened of her partner", key: staffKey), signer: sam.signing)
            let wrapped = try Event(kind: .keyWrapped, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                    content: KeyWrapped(purpose: .staffKey, wraps: [
                                        Wrap(key: staffKey, to: sam.keyID, recipientKey: sam.box.publicKey, from: sam.box)]).content,
                                    signer: sam.signing)
            #expect(await staff.append(wrapped, rid: "w")?["t"] as? String == "ack")
            #expect(await staff.append(note, rid: "n")?["t"] as? String == "ack")
            let reply = try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: SealedText.seal("I'm here", key: visitor.conversationKey), signer: sam.signing)
            #expect(await staff.append(reply, rid: "m")?["t"] as? String == "ack")

            visitorClient.send(["t": "subscribe", "from": 0])
            var kinds: [String] = []
            while let message = await visitorClient.next(timeout: .seconds(5)), message["t"] as? String != "live" {
                kinds.append(message["kind"] as? String ?? "?")
            }
            #expect(kinds == ["conversation.opened", "message.posted"])

            staff.send(["t": "subscribe", "from": 0])
            var staffKinds: [String] = []
            while let message = await staff.next(timeout: .seconds(5)), message["t"] as? String != "live" {
                staffKinds.append(message["kind"] as? String ?? "?")
            }
            #expect(staffKinds == ["conversation.opened", "key.wrapped", "note.added", "message.posted"])
            await visitorClient.close()
            await staff.close()
        }
    }

    @Test("a client that resubscribes from the last position it saw plus one misses nothing and gets nothing twice")
    func resumeFromPosition() async throws {
        try await Self.conversation { relay, deployment, visitor, visitorClient, staff in
            let sam = deployment.member("sam")
            for n in 0..<5 { _ = await visitorClient.append(try visitor.message("before \(n)"), rid: "b\(n)") }
            staff.send(["t": "subscribe", "from": 0])
            var seen: [Int] = []
            while let message = await staff.next(timeout: .seconds(5)), message["t"] as? String != "live" {
                seen.append(message["position"] as! Int)
            }
            await staff.close()
            // Written while the staff client is away.
            for n in 0..<5 { _ = await visitorClient.append(try visitor.message("while away \(n)"), rid: "a\(n)") }
            let back = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await back.authenticate(sam.signing, role: .staff)
            back.send(["t": "subscribe", "from": seen.last! + 1])
            var after: [Int] = []
            while let message = await back.next(timeout: .seconds(5)), message["t"] as? String != "live" {
                after.append(message["position"] as! Int)
            }
            // And live ones after that.
            _ = await visitorClient.append(try visitor.message("live"), rid: "live")
            after.append(try #require(await back.next("event"))["position"] as! Int)
            #expect(seen == Array(0...5))
            #expect(after == Array(6...11))
            await back.close()
            await visitorClient.close()
        }
    }

    @Test("revoking a staff key closes that key's open connection at once, and it cannot come back")
    func revocationOnOpenConnection() async throws {
        try await Self.conversation { relay, deployment, _, visitorClient, staff in
            let alex = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await alex.authenticate(deployment.member("alex").signing, role: .staff)
            await relay.core.replaceDirectory(try deployment.keyring(revoking: ["sam"]))
            let notice = await staff.next("error")
            #expect(notice?["code"] as? String == "revokedKey")
            #expect(await staff.next(timeout: .seconds(5)) == nil)
            #expect(await staff.isClosed, "the connection is closed (not merely quiet)")
            // Others are unaffected.
            alex.send(["t": "ping", "rid": "p"])
            #expect(await alex.next("pong") != nil)
            let again = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            #expect(await again.authenticate(deployment.member("sam").signing, role: .staff)?["code"] as? String == "revokedKey")
            await again.close()
            await alex.close()
            await visitorClient.close()
        }
    }

    @Test("a connection that does not authenticate in time is told badChallenge and closed (1008)")
    func authTimeout() async throws {
        // A short challenge lifetime stands in for the 60 s; the probe fails if the relay never closes.
        try await withTestRelay(directory: try Deployment().keyring(), challengeLifetime: .milliseconds(300)) { relay in
            let outcome = try await WebSocketProbe.run(url: relay.webSocketURL) { _ in [] }
            #expect(outcome.messages.map { $0["code"] as? String } == ["badChallenge"], "\(outcome.messages)")
            #expect(outcome.closeCode == .policyViolation)
        }
    }
}
