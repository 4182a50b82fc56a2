import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCore
import NetreachRelay
import Sodium
import Synchronization
import Testing

/// Erasure on request and by the retention policy (docs/PRIVACY.md): content zeroed on the relay's
/// disk and in a staff replica, a relay-signed record of what went, the chain intact, and every
/// refusal with nothing erased.
@Suite("Relay: retention and erasure")
struct RetentionTests {
    /// A relay clock the test moves by hand, in milliseconds since 1970.
    final class Calendar: Sendable {
        private let now: Mutex<UInt64>
        init(_ date: String) { now = Mutex(Self.milliseconds(date)) }
        var clock: @Sendable () -> UInt64 { { self.now.withLock { $0 } } }
        func set(_ date: String) { now.withLock { $0 = Self.milliseconds(date) } }
        var value: UInt64 { now.withLock { $0 } }
        static func milliseconds(_ date: String) -> UInt64 {
            UInt64(ISO8601DateFormatter().date(from: date + "T12:00:00Z")!.timeIntervalSince1970 * 1000)
        }
    }

    static func event(_ kind: EventKind, _ conversation: ConversationID, _ content: [UInt8], by signer: SigningKeyPair) throws -> Event {
        try Event(kind: kind, conversation: conversation, clientTimeMilliseconds: 0, content: content, signer: signer)
    }

    static func staffClient(_ relay: TestRelay, _ member: Deployment.Staff) async throws -> TestClient {
        let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        _ = await client.authenticate(member.signing, role: .staff)
        return client
    }

    /// Every record of the relay's log.
    static func records(_ relay: TestRelay) async throws -> [RecordedEvent] {
        try await relay.core.store.read(from: 0, maxCount: 100_000)
    }

    static func erasureRecords(_ relay: TestRelay) async throws -> [(record: RecordedEvent, event: Event, erased: ContentErased)] {
        try await records(relay).filter { $0.type.value == "content.erased" }.map { record in
            let event = try Event(bytes: record.payload)
            return (record, event, try ContentErased(content: event.content))
        }
    }

    @Test("a visitor deletes their chat: every event of it is zeroed on disk, a relay-signed record lists them, nothing more can be added")
    func visitorDeletes() async throws {
        try await OpenConversation.with { relay, deployment, visitor, client in
            let conversation = visitor.identity.conversation
            let mine = try visitor.message("I am Jolanta, my number is 07700 900123")
            #expect(await client.append(mine, rid: "m")?["t"] as? String == "ack")
            let sam = deployment.member("sam")
            let staff = try await Self.staffClient(relay, sam)
            defer { Task { await staff.close() } }
            let reply = try Self.event(.messagePosted, conversation, try SealedText.seal("Hi Jolanta, you're safe here", key: visitor.conversationKey),
                                       by: sam.signing)
            #expect(await staff.append(reply, rid: "reply")?["t"] as? String == "ack")
            let sealed = [mine.content, reply.content]
            for content in sealed { #expect(Self.holds(relay.dataDirectoryBytes(), content)) }

            let request = try Self.event(.erasureRequested, conversation, ErasureRequest(reason: .visitorRequest).content,
                                         by: visitor.identity.signing)
            let answer = await client.append(request, rid: "delete")
            #expect(answer?["t"] as? String == "ack")

            // Gone from the disk, by the time the request was acknowledged.
            let bytes = relay.dataDirectoryBytes()
            for content in sealed { #expect(!Self.holds(bytes, content), "a sealed message is still on the relay's disk") }
            let records = try await Self.records(relay)
            let stream = conversation.streamName
            let erasedKinds = records.filter { $0.stream.value == stream && $0.isRedacted }.map(\.type.value)
            #expect(erasedKinds == ["conversation.opened", "message.posted", "message.posted"])
            let erasure = try #require(try await Self.erasureRecords(relay).first)
            #expect(erasure.event.author == relay.core.relayKey.publicKey)
            #expect(erasure.erased.rule == .visitorRequest)
            #expect(erasure.erased.reference == request.id)
            #expect(Set(erasure.erased.entries.map(\.position)) == Set(records.filter { $0.stream.value == stream && $0.isRedacted }.map(\.position)))
            #expect(erasure.erased.entries.contains { $0.author == KeyID(sam.signing.publicKey) && $0.kind == .messagePosted })
            // The chain still verifies: it covers each payload's hash, which stays.
            let verified = try await StoreVerifier.verify(relay.core.store)
            #expect(verified.redactedEvents == 3)

            // Nothing more goes into it; the same request again is a retry.
            #expect(await client.append(try visitor.message("one more"), rid: "late")?["code"] as? String == "erased")
            let late = try Self.event(.messagePosted, conversation, try SealedText.seal("hello?", key: visitor.conversationKey), by: sam.signing)
            #expect(await staff.append(late, rid: "late")?["code"] as? String == "erased")
            #expect(await client.append(request, rid: "again")?["duplicate"] as? Bool == true)

            // Coming back with the phrase, the visitor is told the chat was erased, and is sent nothing of it: the
            // record lists staff-only events' kinds and times, which are not the visitor's to see.
            let back = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await back.close() } }
            let ready = await back.authenticate(visitor.identity.signing, role: .visitor)
            #expect(ready?["exists"] as? Bool == true && ready?["erased"] as? Bool == true)
            back.send(["t": "subscribe", "from": 0])
            let first = await back.next(timeout: .seconds(30))
            #expect(first?["t"] as? String == "live", "the erased chat sent \(first?.text ?? "nothing")")
        }
    }

    @Test("staff replies crossing the visitor's delete: whatever was stored while the chat was being erased is erased too, and none of it stays on the relay's disk")
    func repliesCrossingTheDelete() async throws {
        try await OpenConversation.with { relay, deployment, visitor, client in
            let conversation = visitor.identity.conversation
            let sam = deployment.member("sam")
            var staff: [TestClient] = []
            for _ in 0..<4 { staff.append(try await Self.staffClient(relay, sam)) }
            defer { for connection in staff { Task { await connection.close() } } }
            // Each connection sends its replies without waiting for answers, so that some are in flight when the delete lands.
            var replies: [(connection: Int, rid: String, content: [UInt8])] = []
            for round in 0..<25 {
                for (index, connection) in staff.enumerated() {
                    let reply = try Self.event(.messagePosted, conversation,
                                               try SealedText.seal("reply \(round) on \(index)", key: visitor.conversationKey), by: sam.signing)
                    connection.send(["t": "append", "rid": "r\(round)", "event": Base64URL.encode(reply.bytes)])
                    replies.append((index, "r\(round)", reply.content))
                }
                if round == 8 {
                    let request = try Self.event(.erasureRequested, conversation, ErasureRequest(reason: .visitorRequest).content,
                                                 by: visitor.identity.signing)
                    client.send(["t": "append", "rid": "delete", "event": Base64URL.encode(request.bytes)])
                }
            }
            #expect(await client.answer(to: "delete", timeout: .seconds(60))?["t"] as? String == "ack")
            var codes: [String: Int] = [:]
            for reply in replies {
                let answer = await staff[reply.connection].answer(to: reply.rid, timeout: .seconds(60))
                codes[answer?["t"] as? String == "ack" ? "ack" : (answer?["code"] as? String ?? "no answer"), default: 0] += 1
            }
            #expect(Set(codes.keys).isSubset(of: ["ack", "erased"]), "\(codes)")
            #expect(codes["erased", default: 0] > 0, "no reply came after the delete: \(codes)")

            // Every event of the chat but the request and the relay's records is zeroed, and no reply is left on disk.
            let stream = conversation.streamName
            let kept = try await Self.records(relay).filter { record in
                record.stream.value == stream && !record.isRedacted
                    && ![EventKind.erasureRequested.name, EventKind.contentErased.name].contains(record.type.value)
            }
            let allErased = kept.isEmpty
            #expect(allErased, "\(kept.count) event(s) of the deleted chat are not erased: \(kept.map(\.position))")
            let bytes = relay.dataDirectoryBytes()
            #expect(!replies.contains { Self.holds(bytes, $0.content) }, "a reply is still on the relay's disk")
            let verified = try await StoreVerifier.verify(relay.core.store)
            #expect(verified.redactedEvents > 0)
        }
    }

    @Test("a relay restarted on the log of an erased chat says so at once, before its fold of the log has caught up")
    func erasedAfterRestart() async throws {
        let deployment = try Deployment()
        let visitor = VisitorClient()
        let first = try await TestRelay(directory: try deployment.keyring())
        let data = first.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: data) }
        do {
            let client = try await TestClient(url: first.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
            let request = try Self.event(.erasureRequested, visitor.identity.conversation, ErasureRequest(reason: .visitorRequest).content,
                                         by: visitor.identity.signing)
            #expect(await client.append(request, rid: "delete")?["t"] as? String == "ack")
            await client.close()
        }
        await first.stop(keepingData: true)
        // A new relay on the same log: its retention engine has folded nothing yet (no sweep has run).
        let second = try await TestRelay(directory: try deployment.keyring(), dataDirectory: data)
        defer { Task { await second.stop(keepingData: true) } }
        #expect(second.core.retention.isErased(visitor.identity.conversation) == false)
        let back = try await TestClient(url: second.webSocketURL, helloTimeout: testHelloTimeout)
        defer { Task { await back.close() } }
        let ready = await back.authenticate(visitor.identity.signing, role: .visitor)
        #expect(ready?["erased"] as? Bool == true, "\(ready?.text ?? "")")
        #expect(await back.append(try visitor.message("anyone?"), rid: "late")?["code"] as? String == "erased")
    }

    @Test("a supervisor withdraws an alert: gone from the feed and the relay's disk at once; withdrawals that are not theirs to make, or name no alert, are refused")
    func withdrawAlert() async throws {
        let deployment = try Deployment(staffNames: ["sam", "jo"], supervisors: ["jo"])
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let sam = deployment.member("sam"), jo = deployment.member("jo")
            let samClient = try await Self.staffClient(relay, sam), joClient = try await Self.staffClient(relay, jo)
            defer { Task { await samClient.close(); await joClient.close() } }
            let alert = try SafetyAlert(month: "2026-11", area: "Hull", harms: [.robbery], summary: "names the reporter by mistake", hashes: [])
            let published = await samClient.append(try Self.event(.alertPublished, .alertFeed, alert.content, by: sam.signing), rid: "alert")
            let position = UInt64(try #require(published?["position"] as? Int))
            #expect(try await IncidentRelayTests.feed(relay).count == 1)

            func withdrawal(_ reason: ErasureRequest.Reason, _ at: UInt64?, in conversation: ConversationID = .alertFeed,
                            by signer: SigningKeyPair) throws -> Event {
                try Self.event(.erasureRequested, conversation, ErasureRequest(reason: reason, alert: at).content, by: signer)
            }
            // A worker may not; a visitor's reason is not a supervisor's; a position that is no alert; a request without one.
            #expect(await samClient.append(try withdrawal(.safeguarding, position, by: sam.signing), rid: "w")?["code"] as? String == "forbidden")
            #expect(await joClient.append(try withdrawal(.visitorRequest, position, by: jo.signing), rid: "v")?["code"] as? String == "forbidden")
            #expect(await joClient.append(try withdrawal(.safeguarding, position + 100, by: jo.signing), rid: "p")?["code"] as? String == "malformed")
            #expect(await joClient.append(try withdrawal(.safeguarding, nil, by: jo.signing), rid: "n")?["code"] as? String == "malformed")
            // A visitor, from their own conversation, cannot reach the feed.
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await client.close() } }
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
            #expect(await client.append(try withdrawal(.visitorRequest, position, by: visitor.identity.signing), rid: "f")?["code"] as? String == "forbidden")
            #expect(await client.append(try withdrawal(.visitorRequest, position, in: visitor.identity.conversation, by: visitor.identity.signing),
                                        rid: "c")?["code"] as? String == "malformed")
            #expect(try await IncidentRelayTests.feed(relay).count == 1, "a refused withdrawal erased the alert")

            let order = try withdrawal(.safeguarding, position, by: jo.signing)
            #expect(await joClient.append(order, rid: "withdraw")?["t"] as? String == "ack")
            #expect(try await IncidentRelayTests.feed(relay).isEmpty, "the withdrawn alert is still served")
            #expect(!Self.holds(relay.dataDirectoryBytes(), Array("names the reporter by mistake".utf8)), "the alert is still on the relay's disk")
            let record = try #require(try await Self.erasureRecords(relay).first)
            #expect(record.erased.rule == .supervisorOrder && record.erased.reference == order.id && record.erased.entries.map(\.position) == [position])
            #expect(await joClient.append(order, rid: "again")?["duplicate"] as? Bool == true)
        }
    }

    @Test("bad erasure requests and policies are refused, and nothing is erased")
    func refusals() async throws {
        let deployment = try Deployment(staffNames: ["sam", "jo"], supervisors: ["jo"])
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let visitor = VisitorClient(), other = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await client.close() } }
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
            #expect(await client.append(try visitor.message("keep me"), rid: "m")?["t"] as? String == "ack")
            let sam = try await Self.staffClient(relay, deployment.member("sam"))
            let jo = try await Self.staffClient(relay, deployment.member("jo"))
            defer { Task { await sam.close(); await jo.close() } }
            let mine = visitor.identity.conversation

            func code(_ connection: TestClient, _ kind: EventKind, _ conversation: ConversationID, _ content: [UInt8],
                      signer: SigningKeyPair) async throws -> String? {
                await connection.append(try Self.event(kind, conversation, content, by: signer), rid: "x")?["code"] as? String
            }
            let visitorRequest = ErasureRequest(reason: .visitorRequest).content
            let order = ErasureRequest(reason: .safeguarding).content
            // A visitor asking to erase another conversation: refused, whatever reason it gives.
            #expect(try await code(client, .erasureRequested, other.identity.conversation, visitorRequest, signer: visitor.identity.signing)
                    == "forbidden")
            // A visitor giving a supervisor's reason; a supervisor giving the visitor's.
            #expect(try await code(client, .erasureRequested, mine, order, signer: visitor.identity.signing) == "forbidden")
            #expect(try await code(jo, .erasureRequested, mine, visitorRequest, signer: deployment.member("jo").signing) == "forbidden")
            // A worker who is not a supervisor.
            #expect(try await code(sam, .erasureRequested, mine, order, signer: deployment.member("sam").signing) == "forbidden")
            // An order for a conversation that was never opened.
            #expect(try await code(jo, .erasureRequested, other.identity.conversation, order, signer: deployment.member("jo").signing)
                    == "noSuchConversation")
            // Not an erasure request at all; an unknown reason.
            #expect(try await code(jo, .erasureRequested, mine, Array("{\"format\":\"netreach-erasure-request-v1\",\"reason\":\"boredom\"}".utf8),
                                   signer: deployment.member("jo").signing) == "malformed")
            // Nobody but the relay writes an erasure record.
            let fake = try ContentErased(rule: .supervisorOrder, reference: [UInt8](repeating: 1, count: 16), days: 0,
                                         entries: [.init(position: 1, kind: .messagePosted, timeMilliseconds: 0, author: KeyID(visitor.identity.signing.publicKey), byVisitor: true)])
            #expect(try await code(jo, .contentErased, mine, fake.content, signer: deployment.member("jo").signing) == "forbidden")
            #expect(try await code(client, .contentErased, mine, fake.content, signer: visitor.identity.signing) == "forbidden")
            // A policy from a worker, a policy out of range, a policy sent to a conversation.
            let policy = try RetentionPolicy(messagesDays: 30, incidentsDays: 60, alertsDays: 30)
            #expect(try await code(sam, .policySet, .policyFeed, policy.content, signer: deployment.member("sam").signing) == "forbidden")
            let tooShort = Array("{\"format\":\"netreach-retention-v1\",\"messagesDays\":90,\"incidentsDays\":30,\"alertsDays\":30}".utf8)
            #expect(try await code(jo, .policySet, .policyFeed, tooShort, signer: deployment.member("jo").signing) == "malformed")
            #expect(try await code(jo, .policySet, mine, policy.content, signer: deployment.member("jo").signing) == "forbidden")
            #expect(try await code(jo, .messagePosted, .policyFeed, try SealedText.seal("x", key: visitor.conversationKey),
                                   signer: deployment.member("jo").signing) == "forbidden")

            let records = try await Self.records(relay)
            #expect(records.allSatisfy { !$0.isRedacted }, "something was erased by a refused request")
            #expect(!records.contains { ["erasure.requested", "content.erased", "policy.set"].contains($0.type.value) })
            #expect(relay.core.retention.policyInForce.eventID == nil)
            #expect(relay.core.retention.isErased(mine) == false)
        }
    }

    /// Sam's replica, as `netreach` keeps it, caught up with the relay.
    /// A test member's keys as the staff client holds them.
    static func credentials(_ member: Deployment.Staff) throws -> StaffCredentials {
        let secrets = SecureBytes(count: 64) { out in
            member.signing.seed.withByteInput { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32) }
            member.box.secretKey.withByteInput { (out.baseAddress! + 32).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
        return try StaffCredentials(name: StaffName(member.name), secrets: secrets)
    }

    /// A staff session on `relay`, tried for a minute: with every suite starting at once, the first
    /// GET /v1/keyring of a run has waited past URLSession's 10 s.
    static func openSession(_ relay: TestRelay, _ credentials: StaffCredentials, _ deployment: Deployment) async throws -> StaffSession {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let failure: StaffSession.Failure
            do {
                return try await StaffSession.open(relay: relay.httpBase, credentials: credentials, organisation: deployment.organisation)
            } catch {
                failure = error
            }
            guard failure.reason == .unreachable, ContinuousClock.now < deadline else { throw failure }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func syncReplica(_ relay: TestRelay, _ deployment: Deployment, into replica: LocalReplica) async throws {
        let session = try await Self.openSession(relay, try Self.credentials(deployment.member("sam")), deployment)
        try await session.sync(into: replica)
        await session.close()
    }

    static func directoryBytes(_ path: String) -> [UInt8] {
        var all: [UInt8] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: path + "/" + name) { all += data }
        }
        return all
    }

    @Test("retention: content past its time waits for its quarter's sealed figures, then goes from the relay's disk and a replica; a report outlives the messages")
    func retentionSweep() async throws {
        let calendar = Calendar("2026-02-02")
        let deployment = try Deployment(staffNames: ["sam", "jo"], supervisors: ["jo"])
        let replicaPath = NSTemporaryDirectory() + "netreach-replica-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: replicaPath) }
        try await withTestRelay(directory: try deployment.keyring(), clock: calendar.clock) { relay in
            let sam = deployment.member("sam"), jo = deployment.member("jo")
            let samClient = try await Self.staffClient(relay, sam), joClient = try await Self.staffClient(relay, jo)
            defer { Task { await samClient.close(); await joClient.close() } }
            // A: a chat, answered and closed. B: a chat with an Ugly Mugs report.
            var ciphertexts: [String: [UInt8]] = [:]
            var conversationA: (id: ConversationID, key: SecureBytes)?
            let staffKey = SecretBox.generateKey()
            for (name, isReport) in [("A", false), ("B", true)] {
                let visitor = VisitorClient()
                let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
                _ = await client.authenticate(visitor.identity.signing, role: .visitor)
                #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
                let message = try visitor.message("conversation \(name): something only staff should read")
                #expect(await client.append(message, rid: "m")?["t"] as? String == "ack")
                ciphertexts["\(name) message"] = message.content
                if isReport {
                    let report = try Self.event(.incidentReported, visitor.identity.conversation,
                                                try SealedText.seal(try IncidentRelayTests.report().text, key: visitor.conversationKey),
                                                by: visitor.identity.signing)
                    #expect(await client.append(report, rid: "r")?["t"] as? String == "ack")
                    ciphertexts["B report"] = report.content
                } else {
                    let close = try Self.event(.conversationClosed, visitor.identity.conversation,
                                               try SealedText.seal("wrap-up of A", key: staffKey), by: sam.signing)
                    #expect(await samClient.append(close, rid: "close")?["t"] as? String == "ack")
                    ciphertexts["A wrap-up"] = close.content
                    conversationA = (visitor.identity.conversation, visitor.conversationKey)
                }
                await client.close()
            }
            let alert = try SafetyAlert(month: "2026-01", area: "Leeds", harms: [.physicalAssault], summary: "a man in a silver car", hashes: [])
            #expect(await samClient.append(try Self.event(.alertPublished, .alertFeed, alert.content, by: sam.signing), rid: "alert")?["t"]
                    as? String == "ack")
            let policy = try RetentionPolicy(messagesDays: 30, incidentsDays: 90, alertsDays: 30)
            let policyEvent = try Self.event(.policySet, .policyFeed, policy.content, by: jo.signing)
            #expect(await joClient.append(policyEvent, rid: "policy")?["t"] as? String == "ack")
            #expect(relay.core.retention.policyInForce.policy == policy)
            #expect(relay.core.retention.policyInForce.eventID == policyEvent.id)

            let replica = LocalReplica(directory: replicaPath)
            try await Self.syncReplica(relay, deployment, into: replica)
            for (what, bytes) in ciphertexts { #expect(Self.holds(Self.directoryBytes(replicaPath), bytes), "\(what) not in the replica") }

            // Past its time, but 2026Q1's figures are not sealed: nothing goes, and the sweep says what it waits for.
            calendar.set("2026-03-10")
            let waiting = try await relay.core.retention.sweep()
            #expect(waiting.eventsErased == 0)
            #expect(waiting.waiting == 3)
            #expect(waiting.waitingForQuarters == [try Quarter("2026Q1")])
            let noConversations: (ConversationID, [StoredEvent]) -> ConversationKeys = { _, _ in fatalError("no conversations") }
            let figures = QuarterlyFigures.build(quarter: try Quarter("2026Q1"), events: [], keys: noConversations)
            let seal = try Self.event(.figuresSealed, .reportsFeed, try SealedFigures(figures: figures, supervisors: [(KeyID(jo.signing.publicKey), jo.box.publicKey)],
                                                                                       from: jo.box).content, by: jo.signing)
            // A quarter is sealed once it is over.
            #expect(await joClient.append(seal, rid: "early")?["code"] as? String == "forbidden")

            calendar.set("2026-04-02")
            #expect(await joClient.append(seal, rid: "seal")?["t"] as? String == "ack")
            // Sharing A's keys with a colleague today (netreach grant) is not activity: A's time has still passed.
            let a = try #require(conversationA)
            let grant = KeyWrapped(purpose: .conversationKey, wraps: [Wrap(key: a.key, to: KeyID(jo.signing.publicKey).bytes,
                                                                          recipientKey: jo.box.publicKey, from: sam.box)])
            #expect(await samClient.append(try Self.event(.keyWrapped, a.id, grant.content, by: sam.signing), rid: "grant")?["t"] as? String == "ack")
            let swept = try await relay.core.retention.sweep()
            #expect(swept.conversationsErased == 1)
            #expect(swept.conversationsTrimmed == 1)
            #expect(swept.alertsErased == 1)
            #expect(swept.waiting == 0)
            let disk = relay.dataDirectoryBytes()
            for what in ["A message", "A wrap-up", "B message"] { #expect(!Self.holds(disk, ciphertexts[what]!), "\(what) is still on the relay's disk") }
            #expect(Self.holds(disk, ciphertexts["B report"]!), "the report went with the messages")
            #expect(try await IncidentRelayTests.feed(relay).isEmpty, "an expired alert is still served")
            let rules = try await Self.erasureRecords(relay).map(\.erased.rule)
            #expect(Set(rules) == [.retentionConversation, .retentionMessages, .retentionAlert])
            #expect(try await Self.erasureRecords(relay).allSatisfy { $0.erased.reference == policyEvent.id })

            // The replica lets go of the same events when it catches up, and checks against the relay's log.
            try await Self.syncReplica(relay, deployment, into: replica)
            let held = Self.directoryBytes(replicaPath)
            for what in ["A message", "A wrap-up", "B message"] { #expect(!Self.holds(held, ciphertexts[what]!), "\(what) is still in the replica") }
            #expect(Self.holds(held, ciphertexts["B report"]!))
            let events = try await replica.allEvents()
            var check = RelayLogCheck(relayKey: relay.core.relayKey.publicKey, replica: events)
            check.check(try await Self.records(relay), logID: relay.core.store.currentHead().logID)
            check.finish(head: relay.core.store.currentHead())
            #expect(check.problem == nil)
            #expect(check.erasedEvents.count == 6)  // A's opening, message, close and grant; B's message; the alert
            #expect(check.listedNotYetErased == 0)
            var inbox = Inbox()
            inbox.apply(events)
            #expect(inbox.erased().count == 1)
            let audit = AuditTrail.build(events: events, keyring: try deployment.keyring())
            #expect(audit.contains { $0.action == .contentErased && $0.actor == "relay" })
            #expect(audit.contains { $0.action == .close && $0.actor == "sam" && $0.detail == "content erased" })
            #expect(audit.contains { $0.action == .policySet && $0.actor == "jo" })

            // The report's time comes: the rest of B goes too.
            calendar.set("2026-05-05")
            let last = try await relay.core.retention.sweep()
            #expect(last.conversationsErased == 1)
            #expect(!Self.holds(relay.dataDirectoryBytes(), ciphertexts["B report"]!))
            #expect(try await relay.core.retention.sweep().records == 0, "a second sweep found more to do")
        }
    }

    @Test("keys that expire: once a chat is erased and its period is over, sam's client destroys the period key; a backup from before and a copy of sam's folder from after cannot open the chat, a folder copied before still could, and a current chat still opens")
    func periodKeyDestruction() async throws {
        let calendar = Calendar("2026-01-15")
        let deployment = try Deployment(staffNames: ["sam", "jo"], supervisors: ["jo"])
        let work = NSTemporaryDirectory() + "netreach-period-keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: work) }
        try await withTestRelay(directory: try deployment.keyring(), clock: calendar.clock) { relay in
            let sam = deployment.member("sam"), jo = deployment.member("jo")
            let keyring = try deployment.keyring()
            let folder = try await StaffFolder(relay, sam, deployment, path: work + "/sam")
            defer { Task { await folder.close() } }
            let (home, credentials, replica) = (folder.home, folder.credentials, folder.replica)
            func upkeep() async throws -> (held: [HeldPeriodKey], notes: [String]) { try await folder.upkeep(now: calendar.value) }
            let samMember = try #require(keyring.member(signKey: sam.signing.publicKey))
            // A visitor's chat wrapped as the page wraps it: to sam's key in force.
            func chat(_ text: String) async throws -> (id: ConversationID, message: Event) {
                let periods = PeriodKeyDirectory(events: try await replica.events(of: .keysFeed), keyring: keyring)
                let recipient = periods.recipient(for: samMember, at: calendar.value)
                #expect(recipient.id != samMember.keyID.bytes, "no period key in force for sam")
                let visitor = VisitorClient()
                let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
                defer { Task { await client.close() } }
                _ = await client.authenticate(visitor.identity.signing, role: .visitor)
                #expect(await client.open(try WrapRecipientTests.opening(visitor, to: [(recipient.id, recipient.box)]))?["t"] as? String == "ack")
                let message = try visitor.message(text)
                #expect(await client.append(message, rid: "m")?["t"] as? String == "ack")
                return (visitor.identity.conversation, message)
            }
            func reads(_ events: [StoredEvent], message: Event, with held: [HeldPeriodKey]) -> Bool {
                let me = StaffSecrets(signing: sam.signing, box: sam.box, periodBoxes: held.map(\.secret))
                guard let key = ConversationKeys.resolve(events: events, me: me, keyring: keyring).conversationKey else { return false }
                return (try? SealedText.open(message.content, key: key)) != nil
            }

            // January: the client makes and publishes January's and February's keys; A is wrapped to January's.
            let january = try await upkeep()
            #expect(january.held.map(\.key.periodText) == ["2026-01-01T00:00:00Z – 2026-02-01T00:00:00Z",
                                                            "2026-02-01T00:00:00Z – 2026-03-01T00:00:00Z"], "\(january.notes)")
            let a = try await chat("A: my address is 14 Elm Road")
            try await folder.session.sync(into: replica)
            #expect(reads(try await replica.events(of: a.id), message: a.message, with: january.held))
            #expect(!reads(try await replica.events(of: a.id), message: a.message, with: []), "the enrolled key opens A")
            // The relay is backed up, and sam's folder copied, while A is there.
            let backup = work + "/backup"
            _ = try LogBackup.backup(dataDirectory: relay.dataDirectory, to: backup, key: relay.core.relayKey, nowMilliseconds: calendar.value)
            try FileManager.default.copyItem(atPath: home.path, toPath: work + "/sam-before")

            // A short policy; Q1's figures sealed in April; B opened then, wrapped to April's key.
            let joClient = try await Self.staffClient(relay, jo)
            defer { Task { await joClient.close() } }
            let policy = try RetentionPolicy(messagesDays: 30, incidentsDays: 30, alertsDays: 30)
            #expect(await joClient.append(try Self.event(.policySet, .policyFeed, policy.content, by: jo.signing), rid: "policy")?["t"]
                    as? String == "ack")
            calendar.set("2026-04-15")
            let noConversations: (ConversationID, [StoredEvent]) -> ConversationKeys = { _, _ in fatalError("no conversations") }
            let figures = QuarterlyFigures.build(quarter: try Quarter("2026Q1"), events: [], keys: noConversations)
            let seal = try Self.event(.figuresSealed, .reportsFeed, try SealedFigures(figures: figures, supervisors: [(KeyID(jo.signing.publicKey), jo.box.publicKey)],
                                                                                       from: jo.box).content, by: jo.signing)
            #expect(await joClient.append(seal, rid: "seal")?["t"] as? String == "ack")
            // February's key was never used: it goes; January's stays while A needs it.
            let april = try await upkeep()
            #expect(april.notes.count == 1 && april.notes.allSatisfy { $0.hasPrefix("destroyed your period key for 2026-02-01") },
                    "\(april.notes)")
            #expect(april.held.map(\.key.start) == [january.held[0].key.start, PeriodKey.month(containing: calendar.value).start,
                                                     PeriodKey.month(containing: calendar.value).end])
            let b = try await chat("B: I am safe tonight")

            // A's time passes: the relay erases it; the client destroys January's and February's keys and says so.
            calendar.set("2026-04-20")
            let swept = try await relay.core.retention.sweep()
            #expect(swept.conversationsErased == 1)
            let after = try await upkeep()
            #expect(after.notes.contains { $0.hasPrefix("destroyed your period key for 2026-01-01T00:00:00Z") }, "\(after.notes)")
            #expect(after.held.map(\.key.periodText) == ["2026-04-01T00:00:00Z – 2026-05-01T00:00:00Z",
                                                          "2026-05-01T00:00:00Z – 2026-06-01T00:00:00Z"])
            try FileManager.default.copyItem(atPath: home.path, toPath: work + "/sam-after")

            // What a thief holds: the old backup (A's ciphertext and its wrap) and a copy of sam's folder made after the destruction,
            // opened with sam's keys (the passphrase known). A does not open; B, current, does.
            let restored = work + "/restored"
            _ = try LogRestore.restore(from: backup, to: restored, trusting: relay.core.relayKey.publicKey)
            let old = try FileEventStore(directory: restored)
            let oldA = try await old.readStream(try StreamName(a.id.streamName), fromVersion: 0, maxCount: 100).map { record in
                StoredEvent(position: record.position, version: record.streamVersion, timeMilliseconds: record.timeMilliseconds,
                            event: try Event(bytes: record.payload))
            }
            await old.close()
            #expect(oldA.count == 2 && oldA.contains { $0.event.content == a.message.content }, "the backup holds A's message")
            let stolenAfter = try PeriodKeyFile.load(home: try NetreachHome(path: work + "/sam-after"), credentials: credentials)
            #expect(!reads(oldA, message: a.message, with: stolenAfter), "a folder copied after the destruction opens A from the old backup")
            let stolenBefore = try PeriodKeyFile.load(home: try NetreachHome(path: work + "/sam-before"), credentials: credentials)
            #expect(reads(oldA, message: a.message, with: stolenBefore), "the test proves nothing: a folder copied before cannot open A either")
            #expect(reads(try await replica.events(of: b.id), message: b.message, with: stolenAfter), "the current chat does not open")
        }
    }

    @Test("a policy's key period: sam's client keeps its month keys, then makes keys of the new length from where they end, with no gap or overlap; the relay takes them")
    func keyPeriodFromPolicy() async throws {
        let calendar = Calendar("2026-01-15")
        let deployment = try Deployment(staffNames: ["sam", "jo"], supervisors: ["jo"])
        let work = NSTemporaryDirectory() + "netreach-key-period-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: work) }
        try await withTestRelay(directory: try deployment.keyring(), clock: calendar.clock) { relay in
            let sam = deployment.member("sam"), jo = deployment.member("jo")
            let folder = try await StaffFolder(relay, sam, deployment, path: work + "/sam")
            defer { Task { await folder.close() } }
            func held() async throws -> [String] {
                let outcome = try await folder.upkeep(now: calendar.value)
                // A key whose period is over and whose chats are gone (none here) is destroyed: the only thing said.
                #expect(outcome.notes.allSatisfy { $0.hasPrefix("destroyed your period key") }, "\(outcome.notes)")
                let published = PeriodKeyDirectory(events: try await folder.replica.events(of: .keysFeed), keyring: try deployment.keyring())
                #expect(Set(published.published.filter { $0.key.end > calendar.value }.map(\.key.periodText))
                        == Set(outcome.held.map(\.key.periodText)), "made but not published")
                return outcome.held.map { String($0.key.periodText.prefix(10)) + "…" + String($0.key.periodText.dropFirst(23).prefix(10)) }
            }
            #expect(try await held() == ["2026-01-01…2026-02-01", "2026-02-01…2026-03-01"])
            let joClient = try await Self.staffClient(relay, jo)
            defer { Task { await joClient.close() } }
            let policy = try RetentionPolicy(messagesDays: 30, incidentsDays: 30, alertsDays: 30, keyPeriodDays: 14)
            #expect(await joClient.append(try Self.event(.policySet, .policyFeed, policy.content, by: jo.signing), rid: "p")?["t"] as? String == "ack")
            calendar.set("2026-02-10")
            #expect(try await held() == ["2026-02-01…2026-03-01"], "February's key still covers the next 14 days (January's is destroyed)")
            calendar.set("2026-02-25")
            #expect(try await held() == ["2026-02-01…2026-03-01", "2026-03-01…2026-03-12"])
            calendar.set("2026-03-05")
            #expect(try await held() == ["2026-03-01…2026-03-12", "2026-03-12…2026-03-26"])
        }
        // The same rule, alone: a key covering a period whole means none is made; one ending inside it moves its start.
        let day: UInt64 = 86_400_000
        #expect(PeriodKeyUpkeep.periods(at: 100 * day, days: 10, published: []).map(\.start) == [100 * day, 110 * day])
        #expect(PeriodKeyUpkeep.periods(at: 100 * day, days: 10, published: [(95 * day, 113 * day)]).map { [$0.start, $0.end] }
                == [[113 * day, 120 * day]])
        #expect(PeriodKeyUpkeep.periods(at: 100 * day, days: 10, published: [(90 * day, 140 * day)]).isEmpty)
    }

    /// A staff member's folder on their machine: keys, replica and a session on the relay, for the period key upkeep.
    struct StaffFolder {
        let home: NetreachHome
        let credentials: StaffCredentials
        let replica: LocalReplica
        let session: StaffSession

        init(_ relay: TestRelay, _ member: Deployment.Staff, _ deployment: Deployment, path: String) async throws {
            home = try NetreachHome(path: path)
            try home.createFolder()
            credentials = try RetentionTests.credentials(member)
            replica = LocalReplica(directory: home.replicaPath)
            session = try await RetentionTests.openSession(relay, credentials, deployment)
        }

        /// What a command does at `now`: catch up, keep the period keys, catch up again.
        func upkeep(now: UInt64) async throws -> (held: [HeldPeriodKey], notes: [String]) {
            try await session.sync(into: replica)
            let outcome = await PeriodKeyUpkeep.run(home: home, credentials: credentials, session: session, replica: replica, now: now)
            try await session.sync(into: replica)
            return (outcome.held, outcome.notes)
        }

        func close() async {
            await session.close()
            await replica.close()
        }
    }

    /// `contains` without the byte arrays in a failure message: a log directory is megabytes.
    static func holds(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool { contains(haystack, needle) }
}
