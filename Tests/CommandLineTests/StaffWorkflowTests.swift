import Foundation
import NetreachClient
import NetreachCore
import Sodium
import Testing

@Suite("netreach: two staff members and a visitor, end to end through a real relay", .serialized)
struct StaffWorkflowTests {
    @Test("claim race, chat, note, transfer, close with wrap-up; the transcript is what was said")
    func workflow() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(),
                                                 firstMessage: "hi, is anyone there? I had a bad date last night")

        // It waits in both inboxes.
        let inbox = try await deployment.netreach("sam", ["inbox", "--format", "json"])
        #expect(inbox.status == 0, "\(inbox.standardError)")
        let rows = try JSONSerialization.jsonObject(with: Data(inbox.standardOutput.utf8)) as? [[String: Any]] ?? []
        // Numbers are numbers, the waiting time is in seconds, and the visitor's first line is there to tell chats apart.
        #expect(rows.contains { $0["id"] as? String == visitor.shortID && $0["section"] as? String == "waiting" && $0["unread"] as? Int == 1
                && $0["messages"] as? Int == 1 && ($0["waiting_seconds"] as? Int).map { $0 >= 0 && $0 < 600 } == true
                && ($0["first_line"] as? String)?.hasPrefix("hi, is anyone there? I had a bad date") == true }, "\(inbox.standardOutput)")

        // Both claim at once: exactly one wins, the other is told who has it.
        async let samClaim = deployment.netreach("sam", ["claim", visitor.shortID])
        async let joClaim = deployment.netreach("jo", ["claim", visitor.shortID])
        let (sam, jo) = try await (samClaim, joClaim)
        #expect([sam.status, jo.status].sorted() == [0, 1], "sam: \(sam.standardError) jo: \(jo.standardError)")
        let loser = sam.status == 0 ? jo : sam
        let winnerName = sam.status == 0 ? "sam" : "jo", loserName = sam.status == 0 ? "jo" : "sam"
        #expect(loser.standardError.contains("\(winnerName) claimed this conversation") || loser.standardError.contains("\(winnerName) has this conversation"),
                "\(loser.standardError)")

        // The winner answers; the visitor reads it.
        let reply = "I'm \(winnerName) from the project. Are you safe right now?"
        let sent = try await deployment.netreach(winnerName, ["send", visitor.shortID, reply])
        #expect(sent.status == 0, "\(sent.standardError)")
        #expect(await visitor.nextStaffMessage() == reply)
        try await visitor.say("yes, I'm home. He took my phone for a while.")

        // A note, then a transfer to the colleague, who closes it with the wrap-up.
        #expect(try await deployment.netreach(winnerName, ["note", visitor.shortID, "handover: check in tomorrow"]).status == 0)
        let transfer = try await deployment.netreach(winnerName, ["transfer", visitor.shortID, "--to", loserName, "--note", "please follow up"])
        #expect(transfer.status == 0, "\(transfer.standardError)")
        let close = try await deployment.netreach(loserName, ["close", visitor.shortID, "--topic", "violence", "--topic", "safety-advice",
                                                        "--referral", "advocacy-isva", "--outcome", "referred", "--new"])
        #expect(close.status == 0, "\(close.standardError)")
        // The inbox names who closed it, not who first claimed it.
        let closedInbox = try await deployment.netreach(winnerName, ["inbox"])
        #expect(closedInbox.standardOutput.contains("closed by \(loserName)"), "\(closedInbox.standardOutput)")

        // The transcript, decrypted by the colleague, is what was said, in order.
        let transcript = try await deployment.netreach(loserName, ["transcript", visitor.shortID, "--format", "json"])
        #expect(transcript.status == 0, "\(transcript.standardError)")
        let entries = try JSONSerialization.jsonObject(with: Data(transcript.standardOutput.utf8)) as? [[String: String]] ?? []
        let said = entries.filter { ["message", "note", "transferred", "closed", "claimed"].contains($0["kind"] ?? "") }
            .map { "\($0["speaker"] ?? "?") \($0["kind"] ?? "?"): \($0["text"] ?? "")" }
        #expect(said.first == "visitor message: hi, is anyone there? I had a bad date last night")
        #expect(said.contains("\(winnerName) claimed: "))
        #expect(said.contains("\(winnerName) message: \(reply)"))
        #expect(said.contains("visitor message: yes, I'm home. He took my phone for a while."))
        #expect(said.contains("\(winnerName) note: handover: check in tomorrow"))
        #expect(said.contains("\(winnerName) transferred: to \(loserName): please follow up"))
        #expect(said.last?.hasPrefix("\(loserName) closed: ") == true)
        #expect(said.last?.contains("violence") == true && said.last?.contains("referred") == true)
        #expect(entries.allSatisfy { $0["kind"] != "undecryptable" })

        // Nothing of it is in plaintext in the relay's log or the staff replicas.
        for folder in [deployment.directory + "/data", deployment.home("sam") + "/replica", deployment.home("jo") + "/replica"] {
            for plaintext in [reply, "He took my phone", "check in tomorrow", "please follow up"] {
                #expect(try !contains(folder: folder, Array(plaintext.utf8)), "\(plaintext) found in \(folder)")
            }
        }
        await visitor.connection.close()
    }

    @Test("bad inputs: unknown conversation, wrong passphrase, malformed topic, relay down, revoked key")
    func badInputs() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")

        let unknown = try await deployment.netreach("sam", ["claim", "zzzzzzzz"])
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("no conversation starts with 'zzzzzzzz'"))

        let wrongPassphrase = deployment.directory + "/wrong.passphrase"
        try "not the passphrase\n".write(toFile: wrongPassphrase, atomically: true, encoding: .utf8)
        let wrong = try await deployment.netreach("sam", ["inbox"], passphraseFile: wrongPassphrase)
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("wrongPassphrase"))

        let topic = try await deployment.netreach("sam", ["close", "abcd", "--topic", "weather", "--outcome", "referred", "--new"])
        #expect(topic.status == 2)
        #expect(topic.standardError.contains("weather"))
        let neither = try await deployment.netreach("sam", ["close", "abcd", "--topic", "housing", "--outcome", "referred"])
        #expect(neither.status == 2)

        // The organisation revokes jo; after the relay reloads, jo cannot log in.
        let revoke = try await BinaryRunner.run("netreach", ["org", "revoke", "jo", "--keys", deployment.directory + "/Keys",
                                                        "--private-key", deployment.directory + "/private/org.key",
                                                        "--passphrase-file", deployment.passphraseFile, "--reason", "laptop lost"])
        #expect(revoke.status == 0, "\(revoke.standardError)")
        deployment.relay.send(SIGHUP)
        // The relay reloads its keyring in its own time: try until it refuses, for a while.
        var revoked = try await deployment.netreach("jo", ["login", "--relay", deployment.base, "--org", deployment.directory + "/Keys/org.pub"])
        let deadline = ContinuousClock.now + .seconds(30)
        while revoked.status == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            revoked = try await deployment.netreach("jo", ["login", "--relay", deployment.base, "--org", deployment.directory + "/Keys/org.pub"])
        }
        #expect(revoked.status == 1)
        #expect(revoked.standardError.contains("revoked"))

        // The relay goes away: a command that must write says so clearly, exit 1.
        try await deployment.stopRelay()
        let down = try await deployment.netreach("sam", ["claim", "abcd"])
        #expect(down.status == 1)
        #expect(down.standardError.contains("cannot reach the relay"), "\(down.standardError)")
    }

    @Test("offline: with the relay down, inbox, transcript, incidents, audit and the report read the replica, first saying how old it is; writing fails clearly")
    func offlineReading() async throws {
        let (deployment, visitor) = try await AuditCommandTests.answeredChat()
        defer { deployment.stop() }
        #expect(try await deployment.netreach("jo", ["inbox"]).status == 0)
        #expect(try await deployment.netreach("sam", ["inbox"]).status == 0)
        try await deployment.stopRelay()

        let inbox = try await deployment.netreach("sam", ["inbox"])
        #expect(inbox.status == 0, "\(inbox.standardError)")
        #expect(inbox.standardError.hasPrefix("offline: as of "), "\(inbox.standardError)")
        #expect(inbox.standardError.contains("(position "), "\(inbox.standardError)")
        #expect(inbox.standardOutput.contains(visitor.shortID), "\(inbox.standardOutput)")
        let transcript = try await deployment.netreach("sam", ["transcript", visitor.shortID])
        #expect(transcript.status == 0 && transcript.standardOutput.contains("visitor: hello") && transcript.standardOutput.contains("sam: hi"),
                "\(transcript.standardOutput) \(transcript.standardError)")
        #expect(try await deployment.netreach("sam", ["incidents"]).status == 0)
        let audit = try await deployment.netreach("jo", ["audit"])
        #expect(audit.status == 0 && audit.standardError.hasPrefix("offline: "), "\(audit.standardError)")
        let report = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", AuditCommandTests.currentQuarter(), "--format", "csv"])
        #expect(report.status == 0 && report.standardOutput.contains("New and repeat contacts"), "\(report.standardError)")

        let send = try await deployment.netreach("sam", ["send", visitor.shortID, "are you there?"])
        #expect(send.status == 1 && send.standardError.contains("cannot reach the relay"), "\(send.standardError)")
        // Without a keyring saved by an earlier command, there is nothing to read the replica with.
        try FileManager.default.removeItem(atPath: deployment.home("sam") + "/keyring.json")
        let bare = try await deployment.netreach("sam", ["inbox"])
        #expect(bare.status == 1 && bare.standardError.contains("cannot reach the relay") && bare.standardError.contains("no saved keyring"), "\(bare.standardError)")
    }

    private func contains(folder: String, _ needle: [UInt8]) throws -> Bool {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return false }
        for case let path as String in enumerator {
            guard let data = FileManager.default.contents(atPath: folder + "/" + path) else { continue }
            if data.range(of: Data(needle)) != nil { return true }
        }
        return false
    }
}
