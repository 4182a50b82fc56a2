import ChildProcess
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

extension BrowserTests {
    static let referralsJSON = """
        {"services": [
          {"name": "Test Housing Advice", "helpsWith": ["housing", "money"], "area": "Leeds", "contact": "0113 496 0000",
           "hours": "Mon-Fri 10:00-16:00", "referral": "housing-service"},
          {"name": "Test Sexual Health Clinic", "helpsWith": ["sexual-health"], "area": "Leeds", "contact": "clinic@example.org",
           "referral": "sexual-health-clinic"},
          {"name": "Test Violence Advocates", "helpsWith": ["violence", "legal"], "area": "West Yorkshire",
           "contact": "Ask us in the chat for a referral", "hours": "Mon-Sat", "referral": "advocacy-isva"}
        ]}
        """

    /// Publishes the feed the page is shown: Bradford (older) and Leeds by sam, and Forgedtown by
    /// kim, whom the keyring the page later gets has revoked, so the page must not show it.
    static func publishAlerts(_ relay: TestRelay, _ deployment: Deployment) async throws {
        let salt = PerpetratorIdentifier.feedSalt(organisation: deployment.organisation.signKey)
        let alerts: [(String, SafetyAlert)] = [
            ("sam", try SafetyAlert(month: "2026-10", area: "Bradford", harms: [.stalking], summary: "Follows workers home from the station.",
                                    identifiers: [try PerpetratorIdentifier(kind: .email, "dave@example.com")], salt: salt)),
            ("kim", try SafetyAlert(month: "2026-11", area: "Forgedtown", harms: [.threats], summary: "Signed by a key revoked since.",
                                    identifiers: [try PerpetratorIdentifier(kind: .phone, "07700 900999")], salt: salt)),
            ("sam", try SafetyAlert(month: "2026-11", area: "Leeds", harms: [.robbery, .threats], summary: "A tall man in a white van.",
                                    identifiers: [try PerpetratorIdentifier(kind: .phone, "07700 900123"),
                                                  try PerpetratorIdentifier(kind: .plate, "AB12 CDE")], salt: salt)),
        ]
        for (name, alert) in alerts {
            let member = deployment.member(name)
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            guard await staff.authenticate(member.signing, role: .staff)?["t"] as? String == "ready" else {
                throw TestFailure("\(name) could not authenticate")
            }
            try await append(staff, .alertPublished, alert.content, .alertFeed, member)
            await staff.close()
        }
    }

    @Test("a visitor sees only verified alerts, checks a number without asking the relay, reports a dangerous person, changes consent, and finds other services")
    func incidentsInChromium() async throws {
        let deployment = try Deployment(staffNames: ["sam", "alex", "kim"])
        let sam = deployment.member("sam")
        let neutral = try await NeutralSite.start()
        let web = WebConfiguration(
            settings: try VisitorPageSettings(quickExitURL: neutral.url, emergencyNumbers: [.init(label: "Test emergency line", number: "999")],
                                              answerMinutes: 15),
            referrals: try ReferralDirectory(json: Data(Self.referralsJSON.utf8), file: "referrals.json"))
        // The alerts go into the log while kim is enrolled; the page then meets a keyring that revokes kim.
        let publishing = try await TestRelay(directory: try deployment.keyring(), web: web)
        try await Self.publishAlerts(publishing, deployment)
        await publishing.stop(keepingData: true)
        let relay = try await TestRelay(directory: try deployment.keyring(revoking: ["kim"]), powBits: 12, web: web,
                                        dataDirectory: publishing.dataDirectory)

        let staff = try await Self.staffConnection(relay, sam, from: 0)
        let browser = try ChildProcess("/usr/bin/python3", [Self.fixtures.appendingPathComponent("browser_incidents.py").path,
                                                             relay.httpBase, neutral.url, Self.screenshots])
        var key: SecureBytes?
        var visitor: SigningPublicKey?
        var reports: [(Event, IncidentReport)] = []
        var changes: [ConsentChange] = []
        var lastPosition = -1
        let deadline = ContinuousClock.now + .seconds(300)
        while browser.isRunning, ContinuousClock.now < deadline {
            guard let message = await staff.next("event", timeout: .milliseconds(300)),
                  let position = message["position"] as? Int, position > lastPosition else { continue }
            lastPosition = position
            let event = try Event(bytes: Base64URL.decode(try #require(message["event"] as? String)))
            switch event.kind {
            case .conversationOpened:
                let content = try ConversationOpened(content: event.content)
                visitor = event.author
                key = try #require(content.wraps.first { $0.recipient == sam.keyID }).open(with: sam.box, from: content.visitorBoxKey)
            case .incidentReported:
                let text = try SealedText.open(event.content, key: try #require(key))
                reports.append((event, try IncidentReport(text: text)))
            case .consentChanged where event.author != sam.signing.publicKey:
                changes.append(try ConsentChange(text: try SealedText.open(event.content, key: try #require(key))))
            case .messagePosted where event.author != sam.signing.publicKey:
                // The visitor asks for level 2 again: the worker records it, with the day the visitor said so.
                let text = try SealedText.open(event.content, key: try #require(key))
                guard text == "please record level 2", let incident = changes.last?.incident else { continue }
                let recorded = try ConsentChange(incident: incident, level: .anonymisedAlert, visitorSaidOn: "2026-11-22")
                try await Self.append(staff, .consentChanged, try SealedText.seal(recorded.text, key: try #require(key)),
                                      event.conversation, sam)
            default:
                break
            }
        }
        let result = await Self.finish(browser, script: "browser_incidents.py")
        #expect(result.status == 0, "browser_incidents.py exited \(result.status)")

        // What the visitor typed, as staff read it: normalised, grouped by kind, consent 2, no police contact below 4.
        #expect(reports.count == 1)
        let (reported, report) = try #require(reports.first)
        #expect(reported.author == visitor, "the visitor signed the report")
        #expect(report.date == "2026-11-20" && report.timeBand == .evening && report.area == "Chapeltown Road, Leeds")
        #expect(report.setting == .onlineArranged && report.harms == [.robbery, .threats])
        #expect(report.identifiers.map(\.description) == ["+447700900123", "dave@example.com", "adultwork:bigdave", "AB12CDE"])
        #expect(report.description == #"Tall, grey hair, calls himself "Dave"."#)
        #expect(report.account == "He took the money back.\nThen he said \"I know where you live\".")
        #expect(report.wantsSupport && report.consent == .anonymisedAlert && report.policeContact.isEmpty)
        #expect(changes.map(\.level) == [.policeAnonymous, .listenOnly])
        #expect(changes.allSatisfy { $0.incident == IncidentID(reportedBy: reported) && $0.visitorSaidOn.isEmpty })

        await staff.close()
        let stored = relay.dataDirectoryBytes()
        for text in ["Chapeltown", "calls himself", "I know where you live", "+447700900123", "AB12CDE", "bigdave", "dave@example.com",
                     "Only by text", "Secret Street", "netreach-incident-v1", "netreach-consent-v1"] {
            #expect(!contains(stored, Array(text.utf8)), "plaintext '\(text)' found in the data directory")
        }
        await relay.stop()
        await neutral.stop()
    }
}
