import EventLog
import Foundation
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// A supervisor's erasure order, the retention policy and sealed figures through the built `netreach`
/// and relay (docs/PRIVACY.md): the ciphertext leaves the relay, both staff replicas and the
/// supervisor's copy of the relay's log; verify and audit show the erasure.
@Suite("netreach erase, policy and report seal", .serialized)
struct ErasureCommandTests {
    static func bytes(under path: String) -> [UInt8] {
        var all: [UInt8] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: path + "/" + name) { all += data }
        }
        return all
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        var index = haystack.startIndex
        while let found = haystack[index...].firstIndex(of: needle[0]) {
            if found + needle.count > haystack.count { return false }
            if haystack[found..<(found + needle.count)].elementsEqual(needle) { return true }
            index = found + 1
        }
        return false
    }

    @Test("jo orders a conversation erased: gone from the relay, sam's and jo's replicas and jo's copy of the log; verify and audit say so")
    func supervisorErases() async throws {
        let (deployment, visitor) = try await AuditCommandTests.answeredChat()
        defer { deployment.stop() }
        let secret = try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                               content: SealedText.seal("my address is 14 Elm Road", key: visitor.key), signer: visitor.identity.signing)
        #expect(await visitor.connection.append(secret, rid: "secret")?["t"] as? String == "ack")
        #expect(try await deployment.netreach("sam", ["inbox"]).status == 0)
        let verified = try await deployment.netreach("jo", ["verify"])
        #expect(verified.status == 0, "\(verified.standardError)")
        for name in ["sam", "jo"] { #expect(Self.contains(Self.bytes(under: deployment.home(name)), secret.content), "\(name) lacks it before") }

        // Bad orders: no --yes, a worker, the visitor's own reason, an unknown conversation. Nothing is erased.
        let unconfirmed = try await deployment.netreach("jo", ["erase", visitor.shortID, "--reason", "safeguarding"])
        #expect(unconfirmed.status == 2 && unconfirmed.standardError.contains("--yes"), "\(unconfirmed.standardError)")
        let worker = try await deployment.netreach("sam", ["erase", visitor.shortID, "--reason", "safeguarding", "--yes"])
        #expect(worker.status == 1 && worker.standardError.contains("for supervisors"), "\(worker.standardError)")
        #expect(try await deployment.netreach("jo", ["erase", visitor.shortID, "--reason", "visitor-request", "--yes"]).status == 2)
        let unknown = try await deployment.netreach("jo", ["erase", "ffffffff", "--reason", "safeguarding", "--yes"])
        #expect(unknown.status != 0 && unknown.standardError.contains("no conversation"), "\(unknown.standardError)")
        #expect(Self.contains(Self.bytes(under: deployment.directory + "/data"), secret.content), "a refused order erased something")

        let erased = try await deployment.netreach("jo", ["erase", visitor.shortID, "--reason", "safeguarding", "--yes"])
        #expect(erased.status == 0, "\(erased.standardError)")
        #expect(erased.standardOutput.contains("erased"), "\(erased.standardOutput)")
        #expect(!Self.contains(Self.bytes(under: deployment.directory + "/data"), secret.content), "still on the relay's disk")
        let inbox = try await deployment.netreach("sam", ["inbox"])
        #expect(inbox.status == 0 && inbox.standardOutput.contains("erased today") && inbox.standardOutput.contains(visitor.shortID),
                "\(inbox.standardOutput)")
        #expect(!Self.contains(Self.bytes(under: deployment.home("sam")), secret.content), "still in sam's replica")

        let check = try await deployment.netreach("jo", ["verify"])
        #expect(check.status == 0, "\(check.standardError)")
        #expect(check.standardOutput.contains("were erased"), "\(check.standardOutput)")
        #expect(check.standardOutput.contains("record(s) of your copy were zeroed"), "\(check.standardOutput)")
        #expect(!Self.contains(Self.bytes(under: deployment.home("jo")), secret.content), "still in jo's replica or copy of the log")

        let transcript = try await deployment.netreach("sam", ["transcript", visitor.shortID])
        #expect(transcript.status == 0, "\(transcript.standardError)")
        #expect(transcript.standardOutput.contains("a supervisor's erasure order"), "\(transcript.standardOutput)")
        #expect(!transcript.standardOutput.contains("Elm Road"))
        let audit = try await deployment.netreach("jo", ["audit", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(audit.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(rows.contains { $0["action"] == "erasure-ordered" && $0["staff"] == "jo" }, "\(rows)")
        #expect(rows.contains { $0["action"] == "content-erased" && $0["staff"] == "relay" }, "\(rows)")
        #expect(rows.contains { $0["action"] == "reply" && $0["staff"] == "sam" && ($0["detail"] ?? "").contains("content erased") }, "\(rows)")

        let twice = try await deployment.netreach("jo", ["erase", visitor.shortID, "--reason", "safeguarding", "--yes"])
        #expect(twice.status == 1 && twice.standardError.contains("already; nothing was sent"), "\(twice.standardError)")
        let late = try await deployment.netreach("sam", ["send", visitor.shortID, "are you still there?"])
        #expect(late.status != 0 && late.standardError.contains("erased"), "\(late.standardError)")
    }

    @Test("the policy in force is shown to all, set by supervisors only; a quarter's figures are sealed once it is over, and the report uses them")
    func policyAndSealing() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let shown = try await deployment.netreach("sam", ["policy"])
        #expect(shown.status == 0, "\(shown.standardError)")
        #expect(shown.standardOutput.contains("180 days") && shown.standardOutput.contains("deployment's default"), "\(shown.standardOutput)")
        let worker = try await deployment.netreach("sam", ["policy", "set", "--messages-days", "30", "--incidents-days", "60", "--alerts-days", "30"])
        #expect(worker.status == 1 && worker.standardError.contains("for supervisors"), "\(worker.standardError)")
        let inverted = try await deployment.netreach("jo", ["policy", "set", "--messages-days", "90", "--incidents-days", "30", "--alerts-days", "30"])
        #expect(inverted.status == 2 && inverted.standardError.contains("incidentsDays"), "\(inverted.standardError)")
        #expect(shown.standardOutput.contains("staff keys for new chats: a new one each calendar month"), "\(shown.standardOutput)")
        let badPeriod = try await deployment.netreach("jo", ["policy", "set", "--messages-days", "90", "--incidents-days", "365",
                                                             "--alerts-days", "60", "--key-period-days", "0"])
        #expect(badPeriod.status == 2 && badPeriod.standardError.contains("keyPeriodDays"), "\(badPeriod.standardError)")
        let set = try await deployment.netreach("jo", ["policy", "set", "--messages-days", "90", "--incidents-days", "365", "--alerts-days", "60",
                                                       "--key-period-days", "14"])
        #expect(set.status == 0, "\(set.standardError)")
        #expect(set.standardOutput.contains("shorter than before"), "\(set.standardOutput)")
        let now = try await deployment.netreach("sam", ["policy", "show"])
        #expect(now.standardOutput.contains("90 days") && now.standardOutput.contains("signed by jo"), "\(now.standardOutput)")
        #expect(now.standardOutput.contains("a new one every 14 days"), "\(now.standardOutput)")

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        let current = try Quarter(year: parts.year!, number: (parts.month! - 1) / 3 + 1)
        let previous = try #require(current.previous)
        let early = try await deployment.netreach("jo", ["report", "seal", "--quarter", current.description])
        #expect(early.status == 1 && early.standardError.contains("not over"), "\(early.standardError)")
        #expect(try await deployment.netreach("sam", ["report", "seal", "--quarter", previous.description]).status == 1)
        let sealed = try await deployment.netreach("jo", ["report", "seal", "--quarter", previous.description])
        #expect(sealed.status == 0, "\(sealed.standardError)")
        let again = try await deployment.netreach("jo", ["report", "seal", "--quarter", previous.description])
        #expect(again.status == 1 && again.standardError.contains("sealed already"), "\(again.standardError)")
        let report = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", previous.description, "--format", "csv"])
        #expect(report.status == 0, "\(report.standardError)")
        #expect(report.standardError.contains("the figures of \(previous) are those jo sealed"), "\(report.standardError)")
    }
}
