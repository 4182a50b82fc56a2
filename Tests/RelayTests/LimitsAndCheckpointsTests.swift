import EventLog
import Foundation
import Logging
import NIOCore
import NetreachCore
import NetreachRelay
import Sodium
import Testing

@Suite("Relay: retries, rate limits, checkpoints")
struct LimitsAndCheckpointsTests {
    @Test("a retried append with the same event is acknowledged as a duplicate and stored once")
    func idempotentRetry() async throws {
        try await OpenConversation.with { relay, _, visitor, client in
            let message = try visitor.message("sent twice over a bad connection")
            let first = await client.append(message, rid: "first")
            let second = await client.append(message, rid: "second")
            #expect(first?["duplicate"] as? Bool == false && second?["duplicate"] as? Bool == true)
            #expect(first?["position"] as? Int == second?["position"] as? Int)
            #expect(relay.core.store.currentHead().count == 2)
        }
    }

    @Test("an identical open re-sent (a retry after a lost answer) is acknowledged as a duplicate and stored once")
    func idempotentOpen() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let visitor = VisitorClient()
            let opened = try visitor.openedEvent(for: deployment)
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            let first = await client.open(opened)
            await client.close()
            // The answer was lost: the client reconnects and sends the same event, with a proof of work for the new connection.
            let again = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await again.authenticate(visitor.identity.signing, role: .visitor)
            let second = await again.open(opened)
            #expect(first?["t"] as? String == "ack" && first?["duplicate"] as? Bool == false && first?["version"] as? Int == 0)
            #expect(second?["t"] as? String == "ack" && second?["duplicate"] as? Bool == true, "\(String(describing: second))")
            #expect(second?["position"] as? Int == first?["position"] as? Int)
            #expect(relay.core.store.currentHead().count == 1)
            await again.close()
        }
    }

    @Test("a connection sending faster than its rate limit is told to slow down, and stays open")
    func rateLimit() async throws {
        // The clock of rate windows stands still until the test moves it: the burst is exactly 60 requests.
        let clock = ManualClock()
        try await withTestRelay(directory: try Deployment().keyring(), now: clock.now) { relay in
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            for n in 0..<200 { client.send(["t": "ping", "rid": "p\(n)"]) }
            var pongs = 0, limited = 0
            while pongs + limited < 200, let message = await client.next() {
                if message["t"] as? String == "pong" { pongs += 1 }
                if message["code"] as? String == "rateLimited" { limited += 1 }
            }
            #expect(pongs == 60 && limited == 140)
            // A second later the budget holds 30 requests again.
            clock.advance(by: .seconds(1))
            client.send(["t": "ping", "rid": "later"])
            #expect(await client.next("pong")?["rid"] as? String == "later")
            await client.close()
        }
    }

    @Test("one address may open only so many conversations per window; the limit holds across connections")
    func opensPerAddress() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring(), opensPerAddressPerHour: 3) { relay in
            var answers: [String] = []
            for _ in 0..<5 {
                let visitor = VisitorClient()
                let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
                _ = await client.authenticate(visitor.identity.signing, role: .visitor)
                let answer = await client.open(try visitor.openedEvent(for: deployment))
                answers.append(answer?["t"] as? String == "ack" ? "ack" : answer?["code"] as? String ?? "?")
                await client.close()
            }
            #expect(answers == ["ack", "ack", "ack", "rateLimited", "rateLimited"])
            #expect(relay.core.store.currentHead().count == 3)
        }
    }

    @Test("the limiter forgets every address when its window ends")
    func limiterRotates() throws {
        let clock = ManualClock()
        let limiter = AddressLimiter(limit: 1, window: .seconds(3600), now: clock.now)
        let address = try SocketAddress(ipAddress: "192.0.2.7", port: 1234)
        let token = try #require(limiter.token(for: address))
        #expect(limiter.allowOpen(token) && !limiter.allowOpen(token))
        clock.advance(by: .seconds(3599))
        #expect(limiter.token(for: address) == token && !limiter.allowOpen(token), "the window has not ended yet")
        clock.advance(by: .seconds(1))
        let fresh = try #require(limiter.token(for: address))
        #expect(fresh != token, "a new secret: tokens cannot be linked across windows")
        #expect(limiter.allowOpen(fresh))
        #expect(AddressLimiter(limit: 0).token(for: address) == nil)
    }

    @Test("a checkpoint appended by the relay verifies with the relay's key and is extended by later events")
    func checkpoints() async throws {
        try await OpenConversation.with { relay, _, visitor, client in
            let service = CheckpointService(core: relay.core, logger: Logger(label: "test"))
            await service.checkpoint()
            let stored = try #require(try await relay.core.store.readStream(CheckpointService.stream, fromVersion: 0, maxCount: 1).first)
            #expect(stored.type == CheckpointService.type)
            // The payload is the signed input followed by the signature.
            let input = Array(stored.payload.dropLast(64))
            let signature = try Signature(Array(stored.payload.suffix(64)))
            #expect(relay.core.relayKey.publicKey.isValidSignature(signature, for: input))
            let head = LogHead(logID: relay.core.store.logID, count: 1,
                               chain: try #require(try await relay.core.store.read(from: 0, maxCount: 1).first).chain)
            #expect(input == Checkpoint.signedInput(head))
            _ = await client.append(try visitor.message("after the checkpoint"))
            let checkpoint = try Checkpoint(head: head, signer: relay.core.relayKey.publicKey, signature: signature)
            #expect(try await relay.core.store.verifyExtends(checkpoint, trusting: relay.core.relayKey.publicKey).count == 3)
        }
    }
}
