import Foundation
import NetreachClient
import NetreachCore
import Testing

@Suite("netreach: the visitor's language, sealed in the opening, in the inbox, the transcript and the quarterly report", .serialized)
struct LanguageCommandTests {
    @Test("a chat opened in Romanian shows ro in the inbox and transcript, --language filters, and the report counts it by language")
    func romanian() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let keyring = try deployment.keyring()
        let romanian = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "bună, e cineva acolo?",
                                                  language: VisitorLanguage("ro"))
        // A page from before the language was sent: its language is not known.
        let older = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "hello?")

        let inbox = try await deployment.netreach("sam", ["inbox", "--format", "json"])
        #expect(inbox.status == 0, "\(inbox.standardError)")
        let rows = try JSONSerialization.jsonObject(with: Data(inbox.standardOutput.utf8)) as? [[String: Any]] ?? []
        #expect(rows.contains { $0["id"] as? String == romanian.shortID && $0["language"] as? String == "ro" }, "\(inbox.standardOutput)")
        #expect(rows.contains { $0["id"] as? String == older.shortID && $0["language"] as? String == "?" }, "\(inbox.standardOutput)")
        let table = try await deployment.netreach("sam", ["inbox"])
        #expect(table.standardOutput.contains("Language"), "\(table.standardOutput)")

        for tag in ["ro", "RO"] {
            let filtered = try await deployment.netreach("sam", ["inbox", "--language", tag, "--format", "json"])
            #expect(filtered.status == 0, "\(filtered.standardError)")
            let ids = (try JSONSerialization.jsonObject(with: Data(filtered.standardOutput.utf8)) as? [[String: Any]] ?? []).map { $0["id"] as? String }
            #expect(ids == [romanian.shortID], "--language \(tag): \(filtered.standardOutput)")
        }
        let bulgarian = try await deployment.netreach("sam", ["inbox", "--language", "bg", "--format", "json"])
        #expect(bulgarian.status == 0, "\(bulgarian.standardError)")
        #expect((try JSONSerialization.jsonObject(with: Data(bulgarian.standardOutput.utf8)) as? [Any])?.isEmpty == true,
                "\(bulgarian.standardOutput)")

        let transcript = try await deployment.netreach("sam", ["transcript", romanian.shortID])
        #expect(transcript.status == 0, "\(transcript.standardError)")
        #expect(transcript.standardOutput.contains("the visitor opened the conversation (language: ro (Romanian))"), "\(transcript.standardOutput)")
        let olderTranscript = try await deployment.netreach("sam", ["transcript", older.shortID])
        #expect(olderTranscript.standardOutput.contains("the visitor opened the conversation (language: ?)"), "\(olderTranscript.standardOutput)")

        #expect(try await deployment.netreach("sam", ["claim", romanian.shortID]).status == 0)
        let close = try await deployment.netreach("sam", ["close", romanian.shortID, "--topic", "housing", "--referral", "housing-service",
                                                          "--outcome", "referred", "--new"])
        #expect(close.status == 0, "\(close.standardError)")
        let quarter = Self.currentQuarter()
        let exact = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--format", "csv", "--threshold", "0"])
        #expect(exact.status == 0, "\(exact.standardError)")
        #expect(exact.standardOutput.contains("Contacts by language,Romanian (ro),\(quarter),1\n"), "\(exact.standardOutput)")
        #expect(exact.standardOutput.contains("Contacts by language,Bulgarian (bg),\(quarter),0\n"))
        #expect(exact.standardOutput.contains("Contacts by language,not known,\(quarter),0\n"))
        #expect(exact.standardOutput.contains("Contacts by language,total,\(quarter),1\n"))
        // With the default threshold the lone contact is not shown as a count.
        let suppressed = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--format", "csv"])
        #expect(suppressed.status == 0, "\(suppressed.standardError)")
        #expect(suppressed.standardOutput.contains("Contacts by language,Romanian (ro),\(quarter),<5\n"), "\(suppressed.standardOutput)")
        #expect(!suppressed.standardOutput.contains("Contacts by language,Romanian (ro),\(quarter),1\n"))
    }

    @Test("a bad --language tag is a usage error (exit 2) that says what a tag is")
    func badLanguage() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        for tag in ["pt_BR", "e", "english-uk", "ро", ""] {
            let refused = try await deployment.netreach("sam", ["inbox", "--language", tag])
            #expect(refused.status == 2, "--language '\(tag)': \(refused.standardError)")
            #expect(refused.standardError.contains("--language"), "\(refused.standardError)")
            #expect(refused.standardOutput.isEmpty)
        }
    }

    /// The quarter the relay's clock is in now, as `report quarterly --quarter` takes it.
    static func currentQuarter() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        return "\(parts.year!)Q\((parts.month! - 1) / 3 + 1)"
    }
}
