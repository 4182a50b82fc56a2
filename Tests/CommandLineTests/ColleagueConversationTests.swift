import Foundation
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// Acting on the wrong conversation is harm: a mistyped id must not reach a colleague's visitor
/// or close a colleague's chat, and an id that could mean two conversations must not pick one.
@Suite("netreach: a colleague's conversation, and ids that do not name exactly one", .serialized)
struct ColleagueConversationTests {
    @Test("send, note, close, report and consent on a colleague's conversation are refused, naming them; a handover note is not")
    func refused() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello?")
        let id = visitor.shortID
        #expect(try await deployment.netreach("jo", ["claim", id]).status == 0)
        let reported = try await deployment.netreach("jo", ["report", "incident", id, "--date", "2026-11-20", "--area", "Leeds",
                                                            "--setting", "indoor", "--what", "robbery", "--no-support", "--consent", "1"])
        #expect(reported.status == 0, "\(reported.standardError)")
        let incident = try #require(reported.standardOutput.split(separator: " ").dropFirst().first.map(String.init))

        let attempts: [(String, [String])] = [
            ("send", ["send", id, "hi, this was meant for someone else"]),
            ("note", ["note", id, "a note for the wrong chat"]),
            ("close", ["close", id, "--topic", "housing", "--outcome", "support-given", "--new"]),
            ("report", ["report", "incident", id, "--date", "2026-11-21", "--area", "York", "--setting", "outdoor", "--what", "threats",
                        "--no-support", "--consent", "1"]),
            ("consent", ["consent", incident, "2", "--visitor-said-on", "2026-11-22"]),
        ]
        for (what, arguments) in attempts {
            let outcome = try await deployment.netreach("sam", arguments)
            #expect(outcome.status == 1, "\(what): \(outcome.standardError)")
            #expect(outcome.standardError.contains("jo has conversation \(id)"), "\(what): \(outcome.standardError)")
            #expect(outcome.standardError.contains("netreach transfer \(id) --to sam"), "\(what): \(outcome.standardError)")
            #expect(outcome.standardError.contains("--as-colleague"), "\(what): \(outcome.standardError)")
        }
        let handover = try await deployment.netreach("sam", ["note", id, "handover: she asked for a call back"])
        #expect(handover.status == 0, "\(handover.standardError)")

        // Nothing sam tried reached the log; the handover note did.
        let transcript = try await deployment.netreach("jo", ["transcript", id, "--format", "json"])
        let entries = try JSONSerialization.jsonObject(with: Data(transcript.standardOutput.utf8)) as? [[String: String]] ?? []
        let bySam = entries.filter { $0["speaker"] == "sam" }.map { "\($0["kind"] ?? ""): \($0["text"] ?? "")" }
        #expect(bySam.filter { !$0.hasPrefix("keys") } == ["note: handover: she asked for a call back"], "\(bySam)")
        let incidents = try await deployment.netreach("jo", ["incidents", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(incidents.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(rows.count == 1 && rows.first?["consent"]?.hasPrefix("1") == true, "\(incidents.standardOutput)")
        await visitor.connection.close()
    }

    @Test("--as-colleague acts on purpose, and the audit says whose conversation it was")
    func onPurpose() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello?")
        #expect(try await deployment.netreach("jo", ["claim", visitor.shortID]).status == 0)
        #expect(try await deployment.netreach("jo", ["send", visitor.shortID, "hi, I'm Jo"]).status == 0)
        #expect(await visitor.nextStaffMessage() == "hi, I'm Jo")

        let sent = try await deployment.netreach("sam", ["send", visitor.shortID, "Jo is on a call; I'm Sam", "--as-colleague"])
        #expect(sent.status == 0, "\(sent.standardError)")
        #expect(await visitor.nextStaffMessage() == "Jo is on a call; I'm Sam")

        let audit = try await deployment.netreach("jo", ["audit", "--action", "reply", "--format", "json"])
        #expect(audit.status == 0, "\(audit.standardError)")
        let rows = try JSONSerialization.jsonObject(with: Data(audit.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(rows.map { "\($0["staff"] ?? ""): \($0["detail"] ?? "")" } == ["jo: ", "sam: on jo's conversation"], "\(rows)")
        await visitor.connection.close()
    }

    @Test("an id that is too short or matches several conversations is a usage error listing them; nothing is sent")
    func ambiguousIDs() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        // Two visitors whose conversation ids share their first 4 hex digits (a birthday search: a few hundred keys).
        var seen: [String: VisitorIdentity] = [:]
        var pair: (VisitorIdentity, VisitorIdentity)?
        while pair == nil {
            let identity = VisitorIdentity(phrase: .generate())
            let prefix = String(Hex.encode(identity.conversation.bytes).prefix(4))
            if let earlier = seen[prefix] { pair = (earlier, identity) } else { seen[prefix] = identity }
        }
        let keyring = try deployment.keyring()
        let first = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "one", identity: pair!.0)
        let second = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "two", identity: pair!.1)
        let shared = String(first.shortID.prefix(4))

        let ambiguous = try await deployment.netreach("sam", ["send", shared, "meant for one of them"])
        #expect(ambiguous.status == 2, "\(ambiguous.standardError)")
        #expect(ambiguous.standardError.contains("'\(shared)' matches 2 conversations"), "\(ambiguous.standardError)")
        #expect(ambiguous.standardError.contains(first.shortID) && ambiguous.standardError.contains(second.shortID), "\(ambiguous.standardError)")

        let short = try await deployment.netreach("sam", ["close", String(shared.prefix(2)), "--topic", "housing",
                                                          "--outcome", "support-given", "--new"])
        #expect(short.status == 2, "\(short.standardError)")
        #expect(short.standardError.contains("at least 4"), "\(short.standardError)")
        #expect(short.standardError.contains(first.shortID) && short.standardError.contains(second.shortID), "\(short.standardError)")

        let chat = try await deployment.netreach("sam", ["chat", shared])
        #expect(chat.status == 2, "\(chat.standardError)")

        let inbox = try await deployment.netreach("sam", ["inbox", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(inbox.standardOutput.utf8)) as? [[String: Any]] ?? []
        #expect(rows.filter { $0["section"] as? String == "waiting" }.count == 2, "nothing was claimed or closed: \(inbox.standardOutput)")
        await first.connection.close()
        await second.connection.close()
    }

    @Test("small things said right: audit --staff nobody is a usage error, whoami names the role, the first note makes the staff key")
    func saidRight() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let audit = try await deployment.netreach("jo", ["audit", "--staff", "nobody"])
        #expect(audit.status == 2, "\(audit.standardOutput)\(audit.standardError)")
        #expect(audit.standardError.contains("no staff member named nobody"), "\(audit.standardError)")
        #expect(audit.standardError.contains("sam"), "the names are listed: \(audit.standardError)")

        let whoami = try await deployment.netreach("jo", ["whoami", "--format", "json"])
        #expect(whoami.status == 0, "\(whoami.standardError)")
        #expect(whoami.standardOutput.contains(#""role":"supervisor""#), "\(whoami.standardOutput)")

        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello?")
        #expect(try await deployment.netreach("sam", ["note", visitor.shortID, "first note"]).status == 0)
        let transcript = try await deployment.netreach("sam", ["transcript", visitor.shortID])
        #expect(!transcript.standardOutput.contains("with a colleague"), "\(transcript.standardOutput)")
        #expect(transcript.standardOutput.contains("sam made the staff key (for notes and the wrap-up) for every staff member"),
                "\(transcript.standardOutput)")
        await visitor.connection.close()
    }
}
