import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachCore
import NetreachRelay
import Testing

@Suite("Relay: the referral directory")
struct ReferralDirectoryTests {
    static let good = #"{"services":[{"name":"Housing Line","helpsWith":["housing","money"],"area":"Leeds","contact":"0113 000 0000","hours":"Mon-Fri","referral":"housing-service"}]}"#

    @Test("the directory is served at /v1/referrals as the file gives it")
    func served() async throws {
        let directory = try ReferralDirectory(json: Data(Self.good.utf8), file: "referrals.json")
        try await withTestRelay(directory: try Deployment().keyring(), web: WebConfiguration(referrals: directory)) { relay in
            let (data, response) = try await URLSession.shared.data(from: URL(string: relay.httpBase + "/v1/referrals")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let services = try #require(object["services"] as? [[String: Any]])
            #expect(services.count == 1)
            #expect(services.first?["name"] as? String == "Housing Line")
            #expect(services.first?["helpsWith"] as? [String] == ["housing", "money"])
        }
    }

    @Test("a directory that breaks a rule is refused, naming the service and the field", arguments: [
        (#"{"services":[{"name":"A","helpsWith":["hugs"],"area":"L","contact":"1","referral":"gp"}]}"#, "hugs"),
        (#"{"services":[{"name":"A","helpsWith":["housing"],"area":"L","contact":"1","referral":"friend"}]}"#, "friend"),
        (#"{"services":[{"name":"A","helpsWith":["housing"],"area":"L","contact":"1","referral":"gp","email":"x"}]}"#, "email"),
        (#"{"services":[{"name":"A","helpsWith":[],"area":"L","contact":"1","referral":"gp"}]}"#, "helpsWith"),
        (#"{"services":[{"name":"","helpsWith":["housing"],"area":"L","contact":"1","referral":"gp"}]}"#, "name"),
        (#"{"services":[{"name":"A","helpsWith":["housing"],"area":"L","contact":"1","referral":"gp"},{"name":"a","helpsWith":["housing"],"area":"L","contact":"1","referral":"gp"}]}"#, "twice"),
        (#"{"services":[{"name":"A","helpsWith":["housing"],"area":"L\nM","contact":"1","referral":"gp"}]}"#, "area"),
        (#"{"services":{}}"#, "services"),
        (#"[1]"#, "services"),
    ])
    func refused(_ text: String, _ named: String) {
        do {
            _ = try ReferralDirectory(json: Data(text.utf8), file: "referrals.json")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.contains(named), "\(error.message)")
            #expect(error.message.hasPrefix("referrals.json: "))
        }
    }

    @Test("the demo directory is valid")
    func demo() throws {
        #expect(try ReferralDirectory(json: Data(ReferralDirectory.demoJSON.utf8), file: "demo").services.count == 3)
    }
}
