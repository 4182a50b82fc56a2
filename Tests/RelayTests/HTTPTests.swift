import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachCore
import NetreachRelay
import Testing

@Suite("Relay: HTTP endpoints and headers")
struct HTTPTests {
    static func get(_ url: String) async throws -> (HTTPURLResponse, Data) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return (response as! HTTPURLResponse, data)
    }

    @Test("every response carries the strict headers and no cookie", arguments: ["/health", "/v1/keyring", "/metrics", "/nothing-here"])
    func headers(path: String) async throws {
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
        let (response, _) = try await Self.get(relay.httpBase + path)
        #expect(response.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("default-src 'self'") == true)
        #expect(response.value(forHTTPHeaderField: "Referrer-Policy") == "no-referrer")
        #expect(response.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")
        #expect(response.value(forHTTPHeaderField: "Cache-Control") == "no-store")
        #expect(response.value(forHTTPHeaderField: "Set-Cookie") == nil)
        #expect(response.statusCode == (path == "/nothing-here" ? 404 : 200))
        }
    }

    @Test("health reports the log head and uptime")
    func health() async throws {
        try await OpenConversation.with { relay, _, _, _ in
        let (_, data) = try await Self.get(relay.httpBase + "/health")
        let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(fields["status"] as? String == "ok")
        #expect(fields["position"] as? Int == 1)
        #expect(fields["uptimeSeconds"] is Int)
        }
    }

    @Test("health says damaged, with HTTP 503, once the log's background check has found damage; records and writes are refused as damaged")
    func healthReportsDamage() async throws {
        // A log closed cleanly (so its index snapshot covers every record), then damaged inside that range:
        // the open uses the snapshot, and the background check finds the damage just after.
        let dataDirectory = NSTemporaryDirectory() + "netreach-relay-damaged-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let store = try FileEventStore(directory: dataDirectory)
        for n in 0..<8 {
            _ = try await store.append(to: "s", expectedVersion: .any,
                                       events: [ProposedEvent(type: "t", timeMilliseconds: 0, payload: Array("event \(n)".utf8))])
        }
        await store.close()
        let segment = dataDirectory + "/00000000000000000000.seg"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[64 + 200] ^= 0x20  // inside the first record, long before the snapshot's last one
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let deployment = try Deployment(staffNames: ["jo"], supervisors: ["jo"])
        let relay = try await TestRelay(directory: try deployment.keyring(), dataDirectory: dataDirectory)
        guard case .failed = await relay.fileStore!.integrityCheckResult() else {
            await relay.stop(keepingData: true)
            Issue.record("the background check did not find the damage")
            return
        }
        let (response, data) = try await Self.get(relay.httpBase + "/health")
        // A supervisor's records request is told the log is damaged (not "retry later"), and so is a write.
        let supervisor = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        _ = await supervisor.authenticate(deployment.member("jo").signing, role: .staff)
        supervisor.send(["t": "records", "rid": "r", "from": 0, "limit": 10])
        let refusal = await supervisor.next("error")
        await supervisor.close()
        let visitor = VisitorClient()
        let opener = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        _ = await opener.authenticate(visitor.identity.signing, role: .visitor)
        let write = await opener.open(try visitor.openedEvent(for: deployment))
        await opener.close()
        await relay.stop(keepingData: true)
        #expect(refusal?["code"] as? String == "damaged", "\(refusal?.text ?? "no answer")")
        #expect(write?["code"] as? String == "unavailable" && (write?["message"] as? String)?.contains("damaged") == true,
                "\(write?.text ?? "no answer")")
        let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(response.statusCode == 503)
        #expect(fields["status"] as? String == "damaged", "\(fields)")
        #expect(fields["reason"] as? String == "corruptRecord" && fields["position"] as? Int == 8, "\(fields)")
    }

    @Test("the keyring endpoint serves the files' texts, which verify against the organisation key")
    func keyring() async throws {
        let deployment = try Deployment(staffNames: ["sam", "alex", "gone"])
        try await withTestRelay(directory: try deployment.keyring(revoking: ["gone"])) { relay in
        let (_, data) = try await Self.get(relay.httpBase + "/v1/keyring")
        let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let certificates = try #require(fields["staff"] as? [String])
        let revocations = try #require(fields["revoked"] as? [String])
        #expect(certificates.count == 3 && revocations.count == 1)
        // A client rebuilds and checks the keyring from what was served, with the key it was given out of band.
        let rebuilt = try Keyring(organisation: deployment.organisation,
                                  certificates: certificates.map { KeyFile(label: "served", bytes: Array($0.utf8)) },
                                  revocations: revocations.map { KeyFile(label: "served", bytes: Array($0.utf8)) })
        #expect(rebuilt.active.count == 2)
        }
    }

    @Test("metrics count connections, stored events and refusals by reason, and name no conversation")
    func metrics() async throws {
        try await OpenConversation.with { relay, _, visitor, client in
        client.send(["t": "dance"])
        _ = await client.next("error")
        let (_, data) = try await Self.get(relay.httpBase + "/metrics")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("netreach_connections_total 1"))
        #expect(text.contains("netreach_events_appended_total 1"))
        #expect(text.contains(#"netreach_rejected_total{reason="unknownType"} 1"#))
        #expect(!text.contains(visitor.identity.conversation.base64URL))
        }
    }

    @Test("a retried append is counted as a duplicate, not as a stored event, and every acknowledgement's latency is recorded")
    func appendMetrics() async throws {
        try await OpenConversation.with { relay, _, visitor, client in
            let message = try visitor.message("sent twice")
            #expect(await client.append(message, rid: "first")?["duplicate"] as? Bool == false)
            #expect(await client.append(message, rid: "again")?["duplicate"] as? Bool == true)
            let text = try await scrapeMetrics(relay)
            #expect(metricValue(text, "netreach_events_appended_total") == 2, "the open and the first append")
            #expect(metricValue(text, "netreach_events_duplicate_total") == 1)
            #expect(metricValue(text, "netreach_append_seconds_count") == 3, "the open and both appends were acknowledged")
        }
    }

    @Test("frames refused by a cheap check never reach the signature check")
    func cheapChecksFirst() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let visitor = VisitorClient(), other = VisitorClient()
            // Not authenticated: refused before anything in the event is looked at.
            let stranger = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            for n in 0..<5 {
                #expect(await stranger.append(try visitor.message("unauthenticated \(n)"), rid: "u\(n)")?["code"] as? String == "notAuthenticated")
            }
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            // Authored by another key, or a staff kind: refused for who sends it.
            for n in 0..<5 {
                #expect(await client.append(try other.message("not mine \(n)"), rid: "o\(n)")?["code"] as? String == "forbidden")
            }
            let claim = try Event(kind: .conversationClaimed, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: [], signer: visitor.identity.signing)
            #expect(await client.append(claim, rid: "claim")?["code"] as? String == "forbidden")
            #expect(metricValue(try await scrapeMetrics(relay), "netreach_event_signature_checks_total") == 0)
            // A request that passes every cheap check is verified, once.
            #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
            #expect(metricValue(try await scrapeMetrics(relay), "netreach_event_signature_checks_total") == 1)
            await stranger.close()
            await client.close()
        }
    }
}
