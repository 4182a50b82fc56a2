import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// Ugly Mugs events through a live relay: reports and consent stored as ciphertext, alerts in the
/// public feed and nowhere else (docs/INCIDENTS.md, docs/PROTOCOL.md).
@Suite("Relay: incident reports, consent and the alert feed")
struct IncidentRelayTests {
    static func report() throws -> IncidentReport {
        try IncidentReport(date: "2026-11-20", timeBand: .night, area: "Bradford Lumb Lane", setting: .outdoor, harms: [.physicalAssault],
                           identifiers: [try PerpetratorIdentifier(kind: .plate, "YX19 ABC")],
                           description: "Silver Astra, scar on left hand", account: "He hit me and drove off without paying",
                           wantsSupport: true, consent: .anonymisedAlert)
    }

    static func feed(_ relay: TestRelay, path: String = "/v1/alerts") async throws -> [(UInt64, Event)] {
        let (data, response) = try await URLSession.shared.data(from: URL(string: relay.httpBase + path)!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let alerts = try #require(object["alerts"] as? [[String: Any]])
        return try alerts.map { entry in
            (UInt64(try #require(entry["position"] as? Int)), try Event(bytes: Base64URL.decode(try #require(entry["event"] as? String))))
        }
    }

    @Test("a visitor reports and changes consent; staff receive both; the relay holds no word of it in the clear")
    func reportAndConsent() async throws {
        try await OpenConversation.with { relay, deployment, visitor, client in
            let report = try Self.report()
            let reported = try Event(kind: .incidentReported, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                     content: SealedText.seal(report.text, key: visitor.conversationKey), signer: visitor.identity.signing)
            #expect(await client.append(reported, rid: "report")?["t"] as? String == "ack")
            let change = try ConsentChange(incident: IncidentID(reportedBy: reported), level: .policeAnonymous)
            let consent = try Event(kind: .consentChanged, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                    content: SealedText.seal(change.text, key: visitor.conversationKey), signer: visitor.identity.signing)
            #expect(await client.append(consent, rid: "consent")?["t"] as? String == "ack")
            // Unpadded content is refused for these kinds as for messages.
            let raw = try Event(kind: .consentChanged, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                content: Array(change.text.utf8), signer: visitor.identity.signing)
            #expect(await client.append(raw, rid: "raw")?["code"] as? String == "malformed")

            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(deployment.member("sam").signing, role: .staff)
            staff.send(["t": "subscribe", "from": 0])
            var kinds: [String] = []
            while let message = await staff.next("event", timeout: .seconds(5)) {
                kinds.append(message["kind"] as? String ?? "")
                if kinds.count == 3 { break }
            }
            #expect(kinds == ["conversation.opened", "incident.reported", "consent.changed"])

            let stored = relay.dataDirectoryBytes()
            for text in ["Bradford", "Silver Astra", "YX19ABC", "drove off", "netreach-incident-v1", "netreach-consent-v1"] {
                #expect(!contains(stored, Array(text.utf8)), "'\(text)' found in the relay's data directory")
            }
            await staff.close()
        }
    }

    @Test("staff publish an alert; the public feed serves it newest first, and it verifies against the keyring")
    func alertFeed() async throws {
        let deployment = try Deployment()
        let keyring = try deployment.keyring()
        try await withTestRelay(directory: keyring) { relay in
            #expect(try await Self.feed(relay).isEmpty)
            let sam = deployment.member("sam")
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(sam.signing, role: .staff)
            let salt = PerpetratorIdentifier.feedSalt(organisation: deployment.organisation.signKey)
            var published: [Event] = []
            for area in ["Leeds", "Bradford"] {
                let alert = try SafetyAlert(month: "2026-11", area: area, harms: [.robbery], summary: "Man in a silver Astra.",
                                            identifiers: [try PerpetratorIdentifier(kind: .plate, "YX19 ABC")], salt: salt)
                let event = try Event(kind: .alertPublished, conversation: .alertFeed, clientTimeMilliseconds: 0, content: alert.content,
                                      signer: sam.signing)
                #expect(await staff.append(event, rid: area)?["t"] as? String == "ack")
                published.append(event)
            }
            for path in ["/v1/alerts", "/alerts"] {
                let feed = try await Self.feed(relay, path: path)
                #expect(feed.map(\.1) == published.reversed())
                let verified = try feed.map { try VerifiedAlert.verify($0.1, position: $0.0, keyring: keyring) }
                #expect(verified.map(\.alert.area) == ["Bradford", "Leeds"])
                #expect(verified.allSatisfy { $0.signer == "sam" })
                #expect(verified[0].alert.matches(try PerpetratorIdentifier(kind: .plate, "yx19abc"), salt: salt))
            }
            await staff.close()
        }
    }

    @Test("the feed holds alerts only, from staff only, and alerts go nowhere else")
    func feedRules() async throws {
        try await OpenConversation.with { relay, deployment, visitor, client in
            let sam = deployment.member("sam")
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(sam.signing, role: .staff)
            let alert = try SafetyAlert(month: "2026-11", area: "Leeds", harms: [.threats], summary: "", hashes: [])
            func event(_ kind: EventKind, _ conversation: ConversationID, _ content: [UInt8], _ signer: SigningKeyPair) throws -> Event {
                try Event(kind: kind, conversation: conversation, clientTimeMilliseconds: 0, content: content, signer: signer)
            }
            let headBefore = relay.core.store.currentHead().count
            // A visitor cannot publish, to the feed or to their own conversation.
            #expect(await client.append(try event(.alertPublished, .alertFeed, alert.content, visitor.identity.signing))?["code"] as? String
                    == "forbidden")
            #expect(await client.append(try event(.alertPublished, visitor.identity.conversation, alert.content,
                                                  visitor.identity.signing))?["code"] as? String == "forbidden")
            // Staff cannot put an alert in a conversation, or anything but an alert in the feed.
            #expect(await staff.append(try event(.alertPublished, visitor.identity.conversation, alert.content, sam.signing))?["code"]
                    as? String == "forbidden")
            #expect(await staff.append(try event(.noteAdded, .alertFeed, SealedText.seal("x", key: SecretBox.generateKey()), sam.signing))?["code"]
                    as? String == "forbidden")
            // An alert that is not an alert's layout, or that names the reporter in a field of its own, is malformed.
            #expect(await staff.append(try event(.alertPublished, .alertFeed, Array("hello".utf8), sam.signing))?["code"] as? String
                    == "malformed")
            let extra = alert.text.replacingOccurrences(of: #""hashes":"""#, with: #""hashes":"","reporter":"Jo""#)
            #expect(await staff.append(try event(.alertPublished, .alertFeed, Array(extra.utf8), sam.signing))?["code"] as? String
                    == "malformed")
            #expect(relay.core.store.currentHead().count == headBefore, "nothing refused was stored")
            #expect(try await Self.feed(relay).isEmpty)
            await staff.close()
        }
    }
}
