import Foundation
import NetreachClient
import NetreachCore
import Testing

@Suite("netreach audit: supervisors see every staff action; workers are refused", .serialized)
struct AuditCommandTests {
    @Test("jo (supervisor) audits what sam (worker) did; sam may not audit")
    func audit() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello?")
        #expect(try await deployment.netreach("sam", ["claim", visitor.shortID]).status == 0)
        #expect(try await deployment.netreach("sam", ["send", visitor.shortID, "hi, I'm Sam"]).status == 0)
        #expect(try await deployment.netreach("sam", ["note", visitor.shortID, "handover: call back"]).status == 0)

        let audit = try await deployment.netreach("jo", ["audit", "--staff", "sam", "--format", "json"])
        #expect(audit.status == 0, "\(audit.standardError)")
        let rows = try JSONSerialization.jsonObject(with: Data(audit.standardOutput.utf8)) as? [[String: String]] ?? []
        let logged = rows.filter { $0["position"] != "keyring" }
        #expect(logged.map { $0["action"] ?? "" } == ["claim", "reply", "keys-shared", "note"], "\(rows)")
        #expect(logged.allSatisfy { $0["staff"] == "sam" && $0["conversation"] == visitor.shortID })
        #expect(rows.contains { $0["position"] == "keyring" && $0["action"] == "key-enrolled" && $0["staff"] == "sam" })

        let claims = try await deployment.netreach("jo", ["audit", "--action", "claim", "--conversation", visitor.shortID, "--format", "csv"])
        #expect(claims.status == 0)
        #expect(claims.standardOutput.split(separator: "\n").count == 2, "\(claims.standardOutput)")  // header and one claim

        let refused = try await deployment.netreach("sam", ["audit"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("for supervisors"), "\(refused.standardError)")
        let badAction = try await deployment.netreach("jo", ["audit", "--action", "delete"])
        #expect(badAction.status == 2 && badAction.standardError.contains("claim"))
        let badDay = try await deployment.netreach("jo", ["audit", "--since", "2026-13-01"])
        #expect(badDay.status == 2)
    }
}
