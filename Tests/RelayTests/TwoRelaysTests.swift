import EventLog
import EventLogPostgres
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCore
import NetreachRelay
import PostgresTestSupport
import Sodium
import Testing

/// Two relays on one PostgreSQL log (issue 19): a visitor on one and a staff member on the other
/// chat live, and when the visitor's relay goes away the visitor goes on through the other.
@Suite("Relays: two relays on one PostgreSQL log", .serialized)
struct TwoRelaysTests {
    @Test("a visitor on relay A and a staff member on relay B chat live; A stops mid-chat, the visitor goes on through B, nothing lost or doubled")
    func chatAcrossRelays() async throws {
        let deployment = try Deployment()
        try await Self.withTwoRelays(deployment) { _, _, relayA, relayB, storeB in
            try await chat(deployment: deployment, relayA: relayA, relayB: relayB, storeB: storeB)
        }
    }

    /// Two relays of `deployment` on one new PostgreSQL database, each with its own store; both are
    /// stopped after `body`, whatever happens in it (stopping one twice is harmless).
    static func withTwoRelays(_ deployment: Deployment,
                              _ body: (TestDatabaseServer, String, TestRelay, TestRelay, PostgresEventStore) async throws -> Void) async throws {
        try await withTestDatabase { server, database in
            let configuration = server.configuration(database: database)
            let storeA = try await PostgresEventStore.open(configuration: configuration, timeout: .seconds(120), logger: quietLogger)
            let storeB = try await PostgresEventStore.open(configuration: configuration, timeout: .seconds(120), logger: quietLogger)
            let relayA = try await TestRelay(directory: try deployment.keyring(), store: storeA)
            let relayB = try await TestRelay(directory: try deployment.keyring(), store: storeB)
            do {
                try await body(server, database, relayA, relayB, storeB)
            } catch {
                await relayA.stop()
                await relayB.stop()
                throw error
            }
            await relayA.stop()
            await relayB.stop()
        }
    }

    @Test("a visitor on relay A deletes the chat: the database no longer holds its ciphertext, and relay B refuses more of it once it has folded")
    func eraseOnPostgres() async throws {
        let deployment = try Deployment()
        try await Self.withTwoRelays(deployment) { server, database, relayA, relayB, _ in
            let visitor = VisitorClient()
            let client = try await TestClient(url: relayA.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            // Patient answers: on a loaded CI a commit on the shared test database took longer than the client's 10 s.
            func patient(_ first: RelayMessage?, _ connection: TestClient, _ rid: String) async -> RelayMessage? {
                if let first { return first }
                return await connection.answer(to: rid, timeout: .seconds(110))
            }
            #expect(await patient(await client.open(try visitor.openedEvent(for: deployment)), client, "open")?["t"] as? String == "ack")
            let secret = try visitor.message("a secret for the database")
            #expect(await patient(await client.append(secret, rid: "m"), client, "m")?["t"] as? String == "ack")
            let hex = Hex.encode(Array(secret.content.prefix(48)))
            let query = "SELECT count(*) FROM netreach_events WHERE position(decode('\(hex)', 'hex') in payload) > 0"
            let before = try await server.psql(query, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(before == "1", "the message is not in the table to begin with: \(before)")
            let request = try Event(kind: .erasureRequested, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                    content: ErasureRequest(reason: .visitorRequest).content, signer: visitor.identity.signing)
            #expect(await patient(await client.append(request, rid: "delete"), client, "delete")?["t"] as? String == "ack")
            let left = try await server.psql(query, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(left == "0", "the ciphertext is still in the database: \(left)")
            await client.close()
            // Relay B learns of it by its fold (the service does it every minute; here at once).
            try await relayB.core.retention.catchUp()
            let sam = deployment.member("sam")
            let staff = try await TestClient(url: relayB.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(sam.signing, role: .staff)
            let late = try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: try SealedText.seal("still there?", key: visitor.conversationKey), signer: sam.signing)
            #expect(await patient(await staff.append(late, rid: "late"), staff, "late")?["code"] as? String == "erased")
            await staff.close()
        }
    }

    @Test("the database dies under a relay: the visitor's append is answered unavailable and /health says 503; it comes back: the same event is stored and /health is ok")
    func databaseLostUnderRelay() async throws {
        let deployment = try Deployment()
        let server = try await TestDatabaseServer.start(durable: false, under: NSTemporaryDirectory())
        do {
            try await server.psql("CREATE DATABASE relay")
            // A long deadline while the database is up (a loaded machine is slow, not down), a short one while it is down.
            let store = try await PostgresEventStore.open(configuration: server.configuration(database: "relay"), timeout: .seconds(120),
                                                          logger: quietLogger)
            let relay = try await TestRelay(directory: try deployment.keyring(), store: store)
            do {
                let visitor = VisitorClient()
                let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
                _ = await client.authenticate(visitor.identity.signing, role: .visitor)
                #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
                store.timeout = .seconds(3)
                await server.crash()
                let message = try visitor.message("sent while the database is down")
                let refused = await client.append(message, rid: "down")
                #expect(refused?["t"] as? String == "error" && refused?["code"] as? String == "unavailable", "\(refused?.text ?? "no answer")")
                let (body, down) = try await URLSession.shared.data(from: URL(string: relay.httpBase + "/health")!)
                #expect((down as? HTTPURLResponse)?.statusCode == 503 && String(decoding: body, as: UTF8.self).contains("unavailable"))
                try await server.restart()
                store.timeout = .seconds(120)
                var again: RelayMessage?
                for attempt in 0..<40 where again?["t"] as? String != "ack" {
                    again = await client.append(message, rid: "again\(attempt)")
                    if again?["t"] as? String != "ack" { try await Task.sleep(for: .milliseconds(250)) }
                }
                #expect(again?["t"] as? String == "ack" && again?["position"] as? Int == 1, "\(again?.text ?? "no answer")")
                let (_, up) = try await URLSession.shared.data(from: URL(string: relay.httpBase + "/health")!)
                #expect((up as? HTTPURLResponse)?.statusCode == 200)
                await client.close()
            } catch {
                await relay.stop()
                throw error
            }
            await relay.stop()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func chat(deployment: Deployment, relayA: TestRelay, relayB: TestRelay, storeB: PostgresEventStore) async throws {
        do {
            let sam = deployment.member("sam")
            let staff = try await TestClient(url: relayB.webSocketURL, helloTimeout: testHelloTimeout)
            #expect(await staff.authenticate(sam.signing, role: .staff)?["t"] as? String == "ready")
            staff.send(["t": "subscribe", "from": 0])
            #expect(await staff.next("live") != nil)

            let visitor = VisitorClient()
            let onA = try await TestClient(url: relayA.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await onA.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await onA.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
            var sent: [Event] = []
            for number in 0..<5 {
                let message = try visitor.message("message \(number) through relay A")
                #expect(await onA.append(message, rid: "m\(number)")?["t"] as? String == "ack")
                sent.append(message)
            }
            // Staff on B received each one live: B learnt of A's commits from the database's notifications.
            var received: [[UInt8]] = []
            for _ in 0..<6 {
                let event = try #require(await staff.next("event", timeout: .seconds(30)), "staff on B stopped receiving after \(received.count)")
                received.append(try Base64URL.decode(event["event"] as! String))
            }

            // Relay A goes away mid-chat: the visitor's last message had no answer yet, so it is sent again through B.
            let unanswered = try visitor.message("sent as A went away")
            onA.send(["t": "append", "rid": "lost", "event": Base64URL.encode(unanswered.bytes)])
            await relayA.stop()
            await onA.close()
            let onB = try await TestClient(url: relayB.webSocketURL, helloTimeout: testHelloTimeout)
            #expect(await onB.authenticate(visitor.identity.signing, role: .visitor)?["exists"] as? Bool == true)
            let again = await onB.append(unanswered, rid: "again")
            #expect(again?["t"] as? String == "ack", "\(again?.text ?? "no answer")")
            let after = try visitor.message("after the move, through relay B")
            #expect(await onB.append(after, rid: "after")?["duplicate"] as? Bool == false)
            sent += [unanswered, after]
            for _ in 0..<2 {
                let event = try #require(await staff.next("event", timeout: .seconds(30)), "staff did not receive the messages sent through B")
                received.append(try Base64URL.decode(event["event"] as! String))
            }
            // Nothing more arrives: each event once.
            #expect(await staff.next("event", timeout: .milliseconds(500)) == nil)
            #expect(received.count == 8 && Array(received.dropFirst()) == sent.map(\.bytes))
            let log = try await storeB.read(from: 0, maxCount: 100)
            #expect(log.count == 8 && log.map(\.position) == (0..<8).map { UInt64($0) })
            await onB.close()
            await staff.close()
        }
    }
}
