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

extension LanguageCommandTests {
    /// `inbox --format json` as rows keyed by short id.
    static func inboxRows(_ deployment: StaffDeployment, as name: String) async throws -> [String: [String: Any]] {
        let inbox = try await deployment.netreach(name, ["inbox", "--format", "json"])
        #expect(inbox.status == 0, "\(inbox.standardError)")
        let rows = try JSONSerialization.jsonObject(with: Data(inbox.standardOutput.utf8)) as? [[String: Any]] ?? []
        return Dictionary(rows.compactMap { row in (row["id"] as? String).map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
    }

    @Test("languages signed into enrolments: the inbox says who on duty speaks each chat's language, and 'nobody on duty' when nobody does")
    func spokenOnDuty() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        // kim is enrolled speaking Brazilian Portuguese and Spanish; a malformed list is a usage error and signs nothing.
        #expect(try await deployment.netreach("kim", ["staff", "init", "--name", "kim", "--kdf", "interactive"]).status == 0)
        let who = try await deployment.netreach("kim", ["whoami", "--format", "json"])
        let fingerprint = try #require((try JSONSerialization.jsonObject(with: Data(who.standardOutput.utf8)) as? [String: Any])?["fingerprint"] as? String)
        func enrol(_ languages: String) async throws -> BinaryRunner.Outcome {
            try await deployment.netreach("kim", ["org", "enrol", deployment.home("kim") + "/kim.pub", "--role", "worker",
                                                  "--languages", languages, "--keys", deployment.directory + "/Keys",
                                                  "--private-key", deployment.directory + "/private/org.key", "--fingerprint", fingerprint])
        }
        for bad in ["pt-BR,PT-br", "pt_BR", "es,", ""] {
            let refused = try await enrol(bad)
            #expect(refused.status == 2 && refused.standardError.contains("--languages"), "'\(bad)': \(refused.standardError)")
            #expect(!FileManager.default.fileExists(atPath: deployment.directory + "/Keys/staff/kim.cert"))
        }
        let enrolled = try await enrol("pt-BR, es")
        #expect(enrolled.status == 0 && enrolled.standardOutput.contains("speaking pt-BR, es"), "\(enrolled.standardOutput) \(enrolled.standardError)")
        let certificate = try String(contentsOfFile: deployment.directory + "/Keys/staff/kim.cert", encoding: .utf8)
        #expect(certificate.contains("\nserial: ") && certificate.contains("\nlanguages: pt-BR, es\nsignature: "), "\(certificate)")
        #expect(try await deployment.reloadKeyringAndLogin("kim"), "kim could not log in after the keyring was reloaded")

        let keyring = try deployment.keyring()
        let romanian = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "bună", language: VisitorLanguage("ro"))
        let bulgarian = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "здравейте", language: VisitorLanguage("bg"))
        let brazilian = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "olá", language: VisitorLanguage("pt-BR"))

        // Only sam is on duty (sam, en and ro): the Bulgarian and the Brazilian chats are spoken by nobody on duty.
        let alone = try await Self.inboxRows(deployment, as: "sam")
        #expect(alone[romanian.shortID]?["spoken_by"] as? String == "you", "\(alone)")
        #expect(alone[bulgarian.shortID]?["spoken_by"] as? String == "nobody on duty", "\(alone)")
        #expect(alone[brazilian.shortID]?["spoken_by"] as? String == "nobody on duty", "\(alone)")
        let table = try await deployment.netreach("sam", ["inbox"])
        #expect(table.standardOutput.contains("Spoken by") && table.standardOutput.contains("On duty: you (did something in the last 8 h)."),
                "\(table.standardOutput)")

        // jo (en, bg) and kim (pt-BR, es) start work: each chat now has someone on duty who speaks it.
        #expect(try await deployment.netreach("jo", ["claim", bulgarian.shortID]).status == 0)
        #expect(try await deployment.netreach("kim", ["claim", brazilian.shortID]).status == 0)
        let together = try await Self.inboxRows(deployment, as: "sam")
        #expect(together[romanian.shortID]?["spoken_by"] as? String == "you", "\(together)")
        #expect(together[bulgarian.shortID]?["spoken_by"] as? String == "jo", "\(together)")
        #expect(together[brazilian.shortID]?["spoken_by"] as? String == "kim", "\(together)")
        let later = try await deployment.netreach("sam", ["inbox"])
        #expect(later.standardOutput.contains("On duty: you, jo, kim (did something in the last 8 h)."), "\(later.standardOutput)")
        #expect(try await deployment.netreach("sam", ["inbox", "--on-duty-hours", "0"]).status == 2)
    }
}
