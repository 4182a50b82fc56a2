import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// The Ugly Mugs work through the `netreach` binary and a real relay (docs/INCIDENTS.md).
@Suite("netreach: incident reports, consent, police sharing, alerts and the checker", .serialized)
struct IncidentWorkflowTests {
    @Test("consent 1 → 4 → 2 governs every export; an alert is published, verified and matched on the device")
    func workflow() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(),
                                                 firstMessage: "a client robbed me last night, can I report him?")
        let work = deployment.directory + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        // Bad input is refused before anything is sent, with the field named.
        let badPhone = try await deployment.netreach("sam", ["report", "incident", visitor.shortID, "--date", "2026-11-20", "--area", "Leeds",
                                                             "--setting", "indoor", "--what", "robbery", "--phone", "12345", "--no-support",
                                                             "--consent", "1"])
        #expect(badPhone.status == 2, "\(badPhone.standardError)")
        #expect(badPhone.standardError.contains("12345"))
        let badHarm = try await deployment.netreach("sam", ["report", "incident", visitor.shortID, "--date", "2026-11-20", "--area", "Leeds",
                                                            "--setting", "indoor", "--what", "robbery,punching", "--no-support", "--consent", "1"])
        #expect(badHarm.status == 2 && badHarm.standardError.contains("physical-assault"), "\(badHarm.standardError)")

        // sam takes the report down at consent 1.
        let reported = try await deployment.netreach("sam", [
            "report", "incident", visitor.shortID, "--date", "2026-11-20", "--time", "evening", "--area", "Leeds city centre",
            "--setting", "indoor", "--what", "robbery,threats", "--phone", "07700 900123", "--plate", "ab12 cde",
            "--handle", "AdultWork:@BigDave", "--description", "Tall, grey hair, white van", "--account", "He took the money back",
            "--support", "--consent", "1"])
        #expect(reported.status == 0, "\(reported.standardError)")
        let incident = try #require(reported.standardOutput.split(separator: " ").dropFirst().first.map(String.init))

        func shared() async throws -> Int {
            let transcript = try await deployment.netreach("jo", ["transcript", visitor.shortID, "--format", "json"])
            let entries = try JSONSerialization.jsonObject(with: Data(transcript.standardOutput.utf8)) as? [[String: String]] ?? []
            return entries.filter { $0["kind"] == "shared" }.count
        }
        func export(_ out: String) async throws -> BinaryRunner.Outcome {
            try await deployment.netreach("sam", ["police-export", incident, "--shared-with", "West Yorkshire Police", "--out", work + "/" + out])
        }

        // At 1: no export, no alert, nothing recorded.
        let refused = try await export("at-1.txt")
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("consent level 1"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: work + "/at-1.txt"))
        #expect(try await deployment.netreach("sam", ["alert", "draft", incident]).status == 1)
        #expect(try await shared() == 0)

        // The visitor raises it to 4 themself: the full package, and the sharing recorded.
        try await visitor.consent(try incidentID(incident, deployment: deployment), .policeFull)
        let full = try await export("at-4.txt")
        #expect(full.status == 0, "\(full.standardError)")
        let package = try String(contentsOfFile: work + "/at-4.txt", encoding: .utf8)
        #expect(package.contains("He took the money back") && package.contains("+447700900123") && package.contains("adultwork:bigdave"))
        #expect(try await shared() == 1)

        // The visitor tells sam to lower it to 2: exports stop at once, the list shows it lowered.
        let lowered = try await deployment.netreach("sam", ["consent", incident, "2", "--visitor-said-on", "2026-11-22"])
        #expect(lowered.status == 0, "\(lowered.standardError)")
        let again = try await export("after-lowering.txt")
        #expect(again.status == 1)
        #expect(!FileManager.default.fileExists(atPath: work + "/after-lowering.txt"))
        #expect(try await shared() == 1)
        let list = try await deployment.netreach("jo", ["incidents", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(rows.first?["consent"] == "2 (lowered)", "\(list.standardOutput)")
        #expect(rows.first?["status"] == "shared-with-police")
        // A worker must say when the visitor said so.
        #expect(try await deployment.netreach("sam", ["consent", incident, "3"]).status != 0)

        // At 2 an alert: drafted, reviewed (the summary rewritten), published, and matched on the device.
        let draftPath = work + "/alert.json"
        #expect(try await deployment.netreach("sam", ["alert", "draft", incident, "--out", draftPath]).status == 0)
        var draft = try String(contentsOfFile: draftPath, encoding: .utf8)
        draft = draft.replacingOccurrences(of: "Tall, grey hair, white van", with: "Tall man with grey hair; drives a white van")
        try draft.write(toFile: draftPath, atomically: true, encoding: .utf8)
        let published = try await deployment.netreach("sam", ["alert", "publish", draftPath])
        #expect(published.status == 0, "\(published.standardError)")
        // A draft that adds an identifier the report lacks is refused.
        let forged = draft.replacingOccurrences(of: "\"plates\":\"AB12CDE\"", with: "\"plates\":\"AB12CDE ZZ99ZZZ\"")
        try forged.write(toFile: draftPath, atomically: true, encoding: .utf8)
        #expect(try await deployment.netreach("sam", ["alert", "publish", draftPath]).status == 1)

        for (value, kind, expected) in [("07700 900123", nil, 3), ("+44 7700-900123", nil, 3), ("AB12 CDE", "plate", 3),
                                        ("adultwork:bigdave", nil, 3), ("07700 900124", nil, 0), ("AB12 CDF", "plate", 0)] as [(String, String?, Int32)] {
            let check = try await deployment.netreach("jo", ["check", value] + (kind.map { ["--kind", $0] } ?? []))
            #expect(check.status == expected, "\(value): \(check.standardOutput)\(check.standardError)")
        }
        let alerts = try await deployment.netreach("jo", ["alert", "list", "--format", "json"])
        #expect(alerts.standardOutput.contains("Tall man with grey hair"), "\(alerts.standardOutput)")

        // The supervisor's audit tells the police export from the alert.
        let audit = try await deployment.netreach("jo", ["audit", "--action", "incident-shared", "--format", "json"])
        let shares = (try JSONSerialization.jsonObject(with: Data(audit.standardOutput.utf8)) as? [[String: String]] ?? []).map { $0["detail"] ?? "" }
        #expect(shares.count == 2, "\(audit.standardOutput)\(audit.standardError)")
        #expect(shares.first?.hasPrefix("police export of incident \(incident) at consent 4") == true, "\(shares)")
        #expect(shares.last?.hasPrefix("alert of incident \(incident) at consent 2") == true, "\(shares)")

        // The public feed serves it; nothing of the report is in the relay's files in the clear.
        let (data, _) = try await URLSession.shared.data(from: URL(string: deployment.base + "/v1/alerts")!)
        #expect(String(decoding: data, as: UTF8.self).contains("\"alerts\""))
        let stored = try allBytes(under: deployment.directory + "/data")
        for text in ["He took the money back", "07700", "+447700900123", "AB12CDE", "bigdave", "West Yorkshire"] {
            #expect(!stored.contains(Array(text.utf8)), "'\(text)' is in the relay's data directory")
        }
    }

    @Test("referrals lists the deployment's directory, filtered by need and area; an unknown need is refused")
    func referrals() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        let all = try await deployment.netreach("sam", ["referrals", "--format", "json"])
        #expect(all.status == 0, "\(all.standardError)")
        let rows = try JSONSerialization.jsonObject(with: Data(all.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(rows.count == 3)
        let housing = try await deployment.netreach("sam", ["referrals", "--need", "housing", "--area", "demo city", "--format", "json"])
        let housingRows = try JSONSerialization.jsonObject(with: Data(housing.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(housingRows.map { $0["name"] } == ["Demo Housing Advice Line"])
        #expect(housingRows.first?["referral"] == "housing-service")
        let unknown = try await deployment.netreach("sam", ["referrals", "--need", "hugs"])
        #expect(unknown.status == 2 && unknown.standardError.contains("sexual-health"), "\(unknown.standardError)")
    }

    private func incidentID(_ short: String, deployment: StaffDeployment) async throws -> IncidentID {
        let list = try await deployment.netreach("sam", ["incidents", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(rows.first?["incident"] == short)
        // The short id is a prefix of the event id's hex; the replica holds the whole event.
        let events = try await LocalReplica(directory: deployment.home("sam") + "/replica").allEvents()
        let reported = try #require(events.first { $0.kind == .incidentReported && Hex.encode($0.event.id).hasPrefix(short) })
        return IncidentID(reportedBy: reported.event)
    }

    private func allBytes(under directory: String) throws -> [UInt8] {
        var all: [UInt8] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: directory + "/" + name) { all += data }
        }
        return all
    }
}

extension [UInt8] {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] && Array(self[start..<start + needle.count]) == needle { return true }
        return false
    }
}
