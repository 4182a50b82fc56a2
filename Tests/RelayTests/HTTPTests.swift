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
        let relay = try await TestRelay(directory: try Deployment().keyring())
        let (response, _) = try await Self.get(relay.httpBase + path)
        #expect(response.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("default-src 'self'") == true)
        #expect(response.value(forHTTPHeaderField: "Referrer-Policy") == "no-referrer")
        #expect(response.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")
        #expect(response.value(forHTTPHeaderField: "Cache-Control") == "no-store")
        #expect(response.value(forHTTPHeaderField: "Set-Cookie") == nil)
        #expect(response.statusCode == (path == "/nothing-here" ? 404 : 200))
        await relay.stop()
    }

    @Test("health reports the log head and uptime")
    func health() async throws {
        let (relay, _, _, client) = try await OpenConversation.start()
        let (_, data) = try await Self.get(relay.httpBase + "/health")
        let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(fields["status"] as? String == "ok")
        #expect(fields["position"] as? Int == 1)
        #expect(fields["uptimeSeconds"] is Int)
        await client.close()
        await relay.stop()
    }

    @Test("the keyring endpoint serves the files' texts, which verify against the organisation key")
    func keyring() async throws {
        let deployment = try Deployment(staffNames: ["sam", "alex", "gone"])
        let relay = try await TestRelay(directory: try deployment.keyring(revoking: ["gone"]))
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
        await relay.stop()
    }

    @Test("metrics count connections, stored events and refusals by reason, and name no conversation")
    func metrics() async throws {
        let (relay, _, visitor, client) = try await OpenConversation.start()
        client.send(["t": "dance"])
        _ = await client.next("error")
        let (_, data) = try await Self.get(relay.httpBase + "/metrics")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("netreach_connections_total 1"))
        #expect(text.contains("netreach_events_appended_total 1"))
        #expect(text.contains(#"netreach_rejected_total{reason="unknownType"} 1"#))
        #expect(!text.contains(visitor.identity.conversation.base64URL))
        await client.close()
        await relay.stop()
    }
}
