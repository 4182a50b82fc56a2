import EventLog
import Foundation
import NetreachClient
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// Keys go only to staff who may read them (docs/PROTOCOL.md, "Who may append what"; issue 20,
/// item 5): the relay refuses a wrap to a revoked staff key and an opening that no active staff
/// key can read. Clients alone enforced this before.
@Suite("Relay: keys go only to active staff")
struct WrapRecipientTests {
    @Test("an opening or a key.wrapped with a wrap to a revoked key is refused, naming whose; so is an opening for nobody")
    func revokedRecipients() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring(revoking: ["alex"])) { relay in
            let sam = deployment.member("sam"), alex = deployment.member("alex")
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await client.close() } }
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            func opening(to staff: [Deployment.Staff]) throws -> Event {
                let wraps = staff.map {
                    Wrap(key: visitor.conversationKey, to: $0.keyID, recipientKey: $0.box.publicKey, from: visitor.identity.box)
                } + [Wrap(key: visitor.conversationKey, to: KeyID(visitor.identity.signing.publicKey).bytes,
                          recipientKey: visitor.identity.box.publicKey, from: visitor.identity.box)]
                return try Event(kind: .conversationOpened, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: ConversationOpened(visitorBoxKey: visitor.identity.box.publicKey, wraps: wraps).content,
                                 signer: visitor.identity.signing)
            }
            // A page that loaded the keyring before alex left wraps to alex too: refused, and it says whose key.
            let stale = await client.open(try opening(to: [sam, alex]))
            #expect(stale?["code"] as? String == "forbidden")
            #expect(Self.message(stale).contains("alex"), "\(stale?.text ?? "")")
            let nobody = await client.open(try opening(to: []))
            #expect(nobody?["code"] as? String == "forbidden")
            #expect(Self.message(nobody).contains("no active staff key"), "\(nobody?.text ?? "")")
            let stream = try StreamName(visitor.identity.conversation.streamName)
            #expect(try await relay.core.store.streamVersion(stream) == nil, "a refused opening was stored")
            #expect(await client.open(try opening(to: [sam]))?["t"] as? String == "ack")

            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await staff.close() } }
            _ = await staff.authenticate(sam.signing, role: .staff)
            func share(_ to: Deployment.Staff) throws -> Event {
                let wrap = Wrap(key: visitor.conversationKey, to: to.keyID, recipientKey: to.box.publicKey, from: sam.box)
                return try Event(kind: .keyWrapped, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: KeyWrapped(purpose: .conversationKey, wraps: [wrap]).content, signer: sam.signing)
            }
            let toAlex = await staff.append(try share(alex), rid: "alex")
            #expect(toAlex?["code"] as? String == "forbidden" && Self.message(toAlex).contains("alex"), "\(toAlex?.text ?? "")")
            #expect(await staff.append(try share(sam), rid: "sam")?["t"] as? String == "ack")
            #expect(try await relay.core.store.streamVersion(stream) == 1, "only the opening and sam's own wrap are stored")
        }
    }

    /// An error answer's message ("" when there is none). A plain `String`: `#expect((x as? String ?? "").contains(…))`
    /// is expanded by the macro into an optional call whose result is dropped, and such a check passes whatever the text.
    static func message(_ answer: RelayMessage?) -> String { answer?["message"] as? String ?? "" }

    // MARK: Re-keying (docs/KEYS.md, "Offboarding")

    @Test("key.rotated: a supervisor's re-key is taken and a new conversation key reaches the visitor, a new staff key does not; re-keys by a worker, without the visitor, to a revoked key, to nobody, in a feed, of an unknown chat or malformed are refused and nothing is stored")
    func rotations() async throws {
        let deployment = try Deployment(staffNames: ["sam", "alex", "jo"], supervisors: ["jo"])
        try await withTestRelay(directory: try deployment.keyring(revoking: ["alex"])) { relay in
            let sam = deployment.member("sam"), alex = deployment.member("alex"), jo = deployment.member("jo")
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await client.close() } }
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await client.open(try Self.opening(visitor, to: [(sam.keyID, sam.box.publicKey), (jo.keyID, jo.box.publicKey)]))?["t"]
                    as? String == "ack")
            let conversation = visitor.identity.conversation
            let stream = try StreamName(conversation.streamName)
            let toVisitor = (id: KeyID(visitor.identity.signing.publicKey).bytes, box: visitor.identity.box.publicKey)
            let staff = try await RetentionTests.staffClient(relay, sam), supervisor = try await RetentionTests.staffClient(relay, jo)
            defer { Task { await staff.close(); await supervisor.close() } }
            func rotation(_ purpose: KeyWrapped.Purpose, to recipients: [(id: [UInt8], box: BoxPublicKey)], by author: Deployment.Staff = jo,
                          in where: ConversationID? = nil, content: [UInt8]? = nil) throws -> Event {
                let key = SecureBytes.random(count: 32)
                let wraps = recipients.map { Wrap(key: key, to: $0.id, recipientKey: $0.box, from: author.box) }
                return try Event(kind: .keyRotated, conversation: `where` ?? conversation, clientTimeMilliseconds: 0,
                                 content: content ?? KeyRotated(purpose: purpose, keyID: KeyRotated.keyID(of: key), wraps: wraps).content,
                                 signer: author.signing)
            }
            func refused(_ event: Event, by connection: TestClient, _ code: String, _ words: String) async {
                let answer = await connection.append(event, rid: Hex.encode(event.id))
                #expect(answer?["code"] as? String == code, "\(answer?.text ?? "no answer")")
                #expect(Self.message(answer).contains(words), "\(answer?.text ?? "no answer")")
            }
            let joTo = (id: jo.keyID, box: jo.box.publicKey)
            await refused(try rotation(.conversationKey, to: [joTo, toVisitor], by: sam), by: staff, "forbidden", "for supervisors only")
            await refused(try rotation(.conversationKey, to: [joTo]), by: supervisor, "malformed", "wrapped to the visitor too")
            await refused(try rotation(.staffKey, to: [joTo, (alex.keyID, alex.box.publicKey)]), by: supervisor, "forbidden", "alex")
            await refused(try rotation(.conversationKey, to: [toVisitor]), by: supervisor, "forbidden", "no active staff key")
            await refused(try rotation(.staffKey, to: [joTo], in: .alertFeed), by: supervisor, "forbidden", "alert")
            await refused(try rotation(.staffKey, to: [joTo], in: VisitorClient().identity.conversation), by: supervisor,
                          "noSuchConversation", "never opened")
            await refused(try rotation(.staffKey, to: [], content: [2] + [UInt8](repeating: 0, count: 16) + [0, 0]), by: supervisor,
                          "malformed", "to nobody")
            #expect(try await relay.core.store.streamVersion(stream) == 0, "a refused re-key was stored")

            // Taken: a new conversation key (the visitor's too) and a new staff key. The visitor hears of the first only.
            let conversationKey = try rotation(.conversationKey, to: [joTo, (sam.keyID, sam.box.publicKey), toVisitor])
            #expect(await supervisor.append(conversationKey, rid: "c")?["t"] as? String == "ack")
            let staffKey = try rotation(.staffKey, to: [joTo, (sam.keyID, sam.box.publicKey)])
            #expect(await supervisor.append(staffKey, rid: "s")?["t"] as? String == "ack")
            let marker = try visitor.message("after the re-keys")
            #expect(await client.append(marker, rid: "m")?["t"] as? String == "ack")
            client.send(["t": "subscribe", "from": 0])
            var kinds: [String] = []
            while let message = await client.next("event", timeout: .seconds(30)) {
                kinds.append(message["kind"] as? String ?? "?")
                if (message["event"] as? String).flatMap({ try? Base64URL.decode($0) }) == marker.bytes { break }
            }
            #expect(kinds == ["conversation.opened", "key.rotated", "message.posted"], "the visitor received \(kinds)")
        }
    }

    // MARK: Period keys (docs/KEYS.md, "Period keys")

    static func opening(_ visitor: VisitorClient, to recipients: [(id: [UInt8], box: BoxPublicKey)]) throws -> Event {
        let wraps = recipients.map { Wrap(key: visitor.conversationKey, to: $0.id, recipientKey: $0.box, from: visitor.identity.box) }
            + [Wrap(key: visitor.conversationKey, to: KeyID(visitor.identity.signing.publicKey).bytes,
                    recipientKey: visitor.identity.box.publicKey, from: visitor.identity.box)]
        return try Event(kind: .conversationOpened, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                         content: ConversationOpened(visitorBoxKey: visitor.identity.box.publicKey, wraps: wraps).content,
                         signer: visitor.identity.signing)
    }

    static func periodEvent(_ start: String, _ end: String, box: BoxPublicKey, by signer: SigningKeyPair,
                            in conversation: ConversationID = .keysFeed) throws -> Event {
        let key = try PeriodKey(start: RetentionTests.Calendar.milliseconds(start) - 43_200_000,
                                end: RetentionTests.Calendar.milliseconds(end) - 43_200_000, boxKey: box)
        return try Event(kind: .keyPeriod, conversation: conversation, clientTimeMilliseconds: 0, content: key.content, signer: signer)
    }

    @Test("a staff member publishes a period key: the keyring serves it, a visitor's opening wrapped to it alone is taken and opens with its secret; bad period keys are refused")
    func periodKeys() async throws {
        let calendar = RetentionTests.Calendar("2026-12-10")
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring(), clock: calendar.clock) { relay in
            let sam = deployment.member("sam"), alex = deployment.member("alex")
            let samClient = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            let alexClient = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await samClient.close(); await alexClient.close() } }
            _ = await samClient.authenticate(sam.signing, role: .staff)
            _ = await alexClient.authenticate(alex.signing, role: .staff)
            let december = BoxKeyPair.generate(), alexDecember = BoxKeyPair.generate()
            let published = try Self.periodEvent("2026-12-01", "2027-01-01", box: december.publicKey, by: sam.signing)
            #expect(await samClient.append(published, rid: "p")?["t"] as? String == "ack")
            #expect(await samClient.append(published, rid: "again")?["duplicate"] as? Bool == true, "a retry is a duplicate")
            let alexKey = try Self.periodEvent("2026-12-01", "2027-01-01", box: alexDecember.publicKey, by: alex.signing)
            #expect(await alexClient.append(alexKey, rid: "p")?["t"] as? String == "ack")

            // Bad period keys: each refused, and none stored.
            func refusal(_ event: Event, _ connection: TestClient, _ words: String) async {
                let answer = await connection.append(event, rid: "bad")
                #expect(answer?["code"] as? String == "forbidden", "\(answer?.text ?? "no answer")")
                #expect(Self.message(answer).contains(words), "\(answer?.text ?? "no answer")")
            }
            await refusal(try Self.periodEvent("2026-12-15", "2027-01-15", box: BoxKeyPair.generate().publicKey, by: sam.signing),
                          samClient, "overlaps")
            await refusal(try Self.periodEvent("2026-11-01", "2026-12-01", box: BoxKeyPair.generate().publicKey, by: sam.signing),
                          samClient, "is over")
            await refusal(try Self.periodEvent("2028-02-01", "2028-03-01", box: BoxKeyPair.generate().publicKey, by: sam.signing),
                          samClient, "more than 400 days")
            await refusal(try Self.periodEvent("2027-01-01", "2027-02-01", box: sam.box.publicKey, by: sam.signing), samClient, "enrolled")
            await refusal(try Self.periodEvent("2027-01-01", "2027-02-01", box: december.publicKey, by: sam.signing), samClient,
                          "already published")
            await refusal(try Self.periodEvent("2027-01-01", "2027-02-01", box: BoxKeyPair.generate().publicKey, by: sam.signing,
                                               in: .policyFeed), samClient, "key.period goes to its feed")
            let visitor = VisitorClient()
            let visitorClient = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await visitorClient.close() } }
            _ = await visitorClient.authenticate(visitor.identity.signing, role: .visitor)
            await refusal(try Self.periodEvent("2027-01-01", "2027-02-01", box: BoxKeyPair.generate().publicKey,
                                               by: visitor.identity.signing), visitorClient, "for staff only")
            let feed = try StreamName(ConversationID.keysFeed.streamName)
            #expect(try await relay.core.store.streamVersion(feed) == 1, "only sam's and alex's keys are stored")

            // The keyring serves both, as signed events.
            let (_, data) = try await HTTPTests.get(relay.httpBase + "/v1/keyring")
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let periods = try #require(document["periods"] as? [String])
            #expect(Set(periods) == [Base64URL.encode(published.bytes), Base64URL.encode(alexKey.bytes)])

            // A visitor's opening wrapped to sam's period key alone: taken, and it opens with the period secret only.
            let samPeriodID = try PeriodKey(content: published.content).keyID(staff: sam.signing.publicKey)
            #expect(await visitorClient.open(try Self.opening(visitor, to: [(samPeriodID, december.publicKey)]))?["t"] as? String == "ack")
            let stored = try #require(try await relay.core.store.readStream(try StreamName(visitor.identity.conversation.streamName),
                                                                           fromVersion: 0, maxCount: 1).first)
            let opened = try ConversationOpened(content: try Event(bytes: stored.payload).content)
            let wrap = try #require(opened.wraps.first { $0.recipient == samPeriodID })
            #expect(try wrap.open(with: december, from: visitor.identity.box.publicKey).isEqual(to: visitor.conversationKey))
            #expect(throws: ProtocolError.self) { try wrap.open(with: sam.box, from: visitor.identity.box.publicKey) }

            // alex leaves: a wrap to alex's period key is refused, naming alex, and alex's key leaves the keyring.
            await relay.core.replaceDirectory(try deployment.keyring(revoking: ["alex"]))
            let alexPeriodID = try PeriodKey(content: alexKey.content).keyID(staff: alex.signing.publicKey)
            func share(to id: [UInt8], _ box: BoxPublicKey) throws -> Event {
                let wrap = Wrap(key: visitor.conversationKey, to: id, recipientKey: box, from: sam.box)
                return try Event(kind: .keyWrapped, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: KeyWrapped(purpose: .conversationKey, wraps: [wrap]).content, signer: sam.signing)
            }
            await refusal(try share(to: alexPeriodID, alexDecember.publicKey), samClient, "alex")
            let (_, after) = try await HTTPTests.get(relay.httpBase + "/v1/keyring")
            let served = try #require(try JSONSerialization.jsonObject(with: after) as? [String: Any])["periods"] as? [String]
            #expect(served == [Base64URL.encode(published.bytes)])

            // February: sam's December key is over; wraps to it are refused, and an opening for it alone reads for nobody.
            calendar.set("2027-02-10")
            await refusal(try share(to: samPeriodID, december.publicKey), samClient, "period ended")
            let late = VisitorClient()
            let lateClient = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await lateClient.close() } }
            _ = await lateClient.authenticate(late.identity.signing, role: .visitor)
            let refused = await lateClient.open(try Self.opening(late, to: [(samPeriodID, december.publicKey)]))
            #expect(refused?["code"] as? String == "forbidden", "\(refused?.text ?? "")")
            #expect(await lateClient.open(try Self.opening(late, to: [(sam.keyID, sam.box.publicKey)]))?["t"] as? String == "ack",
                    "with no period key in force, the enrolled key still reads")
        }
    }
}
