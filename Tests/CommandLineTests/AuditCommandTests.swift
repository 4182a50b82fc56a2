import ChildProcess
import EventLog
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

    /// A deployment with sam and jo logged in, and a visitor's "hello" that sam has answered.
    static func answeredChat() async throws -> (StaffDeployment, TestVisitor) {
        let deployment = try await StaffDeployment.make()
        do {
            try await deployment.login("sam")
            try await deployment.login("jo")
            let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello")
            let answer = try await deployment.netreach("sam", ["send", visitor.shortID, "hi"])
            guard answer.status == 0 else { throw HarnessError("sam could not answer: \(answer.standardError)") }
            return (deployment, visitor)
        } catch {
            deployment.stop()
            throw error
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the quarterly report hides a lone contact, shows it with no threshold, renders in Chromium, and is for supervisors")
    func quarterly() async throws {
        let (deployment, visitor) = try await Self.answeredChat()
        defer { deployment.stop() }
        #expect(try await deployment.netreach("sam", ["close", visitor.shortID, "--topic", "housing", "--referral", "housing-service",
                                                      "--outcome", "referred", "--new", "--age", "25-34"]).status == 0)
        // The quarter the relay's clock is in now.
        let now = Date()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: now)
        let quarter = "\(parts.year!)Q\((parts.month! - 1) / 3 + 1)"

        let hidden = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--format", "csv"])
        #expect(hidden.status == 0, "\(hidden.standardError)")
        #expect(hidden.standardOutput.contains("New and repeat contacts,total,\(quarter),<5"), "\(hidden.standardOutput)")
        #expect(hidden.standardOutput.contains("Issues raised (a contact may raise several),housing,\(quarter),<5"))
        #expect(hidden.standardOutput.contains("Age band (as recorded at wrap-up),25-34,\(quarter),<5"))
        // The demo deployment has a schedule, so the report counts what was opened while nobody was on duty.
        #expect(hidden.standardOutput.contains("Out of hours,conversations opened while nobody was on duty,\(quarter),"))
        let open = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--format", "json", "--threshold", "0"])
        #expect(open.standardOutput.contains(#"{"label":"new","values":["1""#), "\(open.standardOutput)")

        let htmlPath = deployment.directory + "/report.html"
        let html = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--target-contacts", "80",
                                                        "--out", htmlPath])
        #expect(html.status == 0, "\(html.standardError)")
        let screenshots = Self.repository.appendingPathComponent("screenshots/reports").path
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let rendered = try await ChildProcess.run("/usr/bin/python3", [
            Self.repository.appendingPathComponent("Tests/CommandLineTests/Fixtures/render_html.py").path, htmlPath,
            screenshots + "/quarterly.png"], timeout: .seconds(120))
        #expect(rendered.status == 0, "\(rendered.errors)")
        let result = try JSONSerialization.jsonObject(with: Data(rendered.output.utf8)) as? [String: Any] ?? [:]
        #expect((result["requests"] as? [String])?.isEmpty == true, "the report loaded something: \(result)")
        #expect((result["width"] as? Int ?? 9999) <= 1000, "the report scrolls sideways: \(result)")
        #expect(FileManager.default.fileExists(atPath: screenshots + "/quarterly.png"))

        let refused = try await deployment.netreach("sam", ["report", "quarterly", "--quarter", quarter])
        #expect(refused.status == 1 && refused.standardError.contains("for supervisors"), "\(refused.standardError)")
        #expect(try await deployment.netreach("jo", ["report", "quarterly", "--quarter", "2026Q7"]).status == 2)
    }

    @Test("verify: intact, a checkpoint saved after the relay signs one, extended later, and a replaced log caught")
    func verify() async throws {
        let (deployment, _) = try await Self.answeredChat()
        defer { deployment.stop() }

        let first = try await deployment.netreach("jo", ["verify"])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.hasPrefix("intact: "), "\(first.standardOutput)")
        let checkpointFile = deployment.directory + "/q3.checkpoint"
        let none = try await deployment.netreach("jo", ["verify", "--save-checkpoint", checkpointFile])
        #expect(none.status == 1 && none.standardError.contains("not signed a checkpoint yet"), "\(none.standardError)")

        // The relay signs a checkpoint when it stops; started again, the log holds it.
        try await deployment.stopRelay()
        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        let saved = try await deployment.netreach("jo", ["verify", "--save-checkpoint", checkpointFile])
        #expect(saved.status == 0, "\(saved.standardError)")
        #expect(saved.standardOutput.contains("1 checkpoint(s)"), "\(saved.standardOutput)")
        #expect(try String(contentsOfFile: checkpointFile, encoding: .utf8).hasPrefix("netreach-checkpoint-v1\n"))

        // More work later: the log still extends what was saved.
        let later = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "me again")
        #expect(try await deployment.netreach("sam", ["send", later.shortID, "hello again"]).status == 0)
        let extended = try await deployment.netreach("jo", ["verify", "--against", checkpointFile])
        #expect(extended.status == 0, "\(extended.standardError)")
        #expect(extended.standardOutput.contains("it extends the checkpoint saved in"))

        // The relay's log replaced by another (a new data folder): caught, with the problem named.
        try await deployment.stopRelay()
        try FileManager.default.moveItem(atPath: deployment.directory + "/data", toPath: deployment.directory + "/data-original")
        try FileManager.default.createDirectory(atPath: deployment.directory + "/data", withIntermediateDirectories: true)
        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        let replaced = try await deployment.netreach("jo", ["verify", "--against", checkpointFile])
        #expect(replaced.status == 1, "\(replaced.standardOutput)")
        #expect(replaced.standardError.contains("DAMAGED"), "\(replaced.standardError)")

        let refused = try await deployment.netreach("sam", ["verify"])
        #expect(refused.status == 1 && refused.standardError.contains("for supervisors"))
        let badFile = try await deployment.netreach("jo", ["verify", "--against", deployment.passphraseFile])
        #expect(badFile.status == 2)
    }

    @Test("a supervisor enrolled after the chats is told the report cannot read them: exit 1 and nothing written, unless --allow-unreadable; grant shares the keys, recorded in the log")
    func lateSupervisor() async throws {
        let (deployment, visitor) = try await Self.answeredChat()
        defer { deployment.stop() }
        #expect(try await deployment.netreach("sam", ["close", visitor.shortID, "--topic", "housing", "--referral", "housing-service",
                                                      "--outcome", "referred", "--new"]).status == 0)
        // kim makes keys, is enrolled as a supervisor now, and the relay reloads its keyring.
        let made = try await deployment.netreach("kim", ["staff", "init", "--name", "kim", "--kdf", "interactive"])
        #expect(made.status == 0, "\(made.standardError)")
        let who = try await deployment.netreach("kim", ["whoami", "--format", "json"])
        let fingerprint = try #require((try JSONSerialization.jsonObject(with: Data(who.standardOutput.utf8)) as? [String: Any])?["fingerprint"] as? String,
                                       "\(who.standardOutput)")
        let enrolled = try await deployment.netreach("kim", ["org", "enrol", deployment.home("kim") + "/kim.pub", "--role", "supervisor",
                                                              "--keys", deployment.directory + "/Keys", "--private-key",
                                                              deployment.directory + "/private/org.key", "--fingerprint", fingerprint])
        #expect(enrolled.status == 0, "\(enrolled.standardError)")
        #expect(try await deployment.reloadKeyringAndLogin("kim"), "kim could not log in after the keyring was reloaded")
        let quarter = Self.currentQuarter()
        let refused = try await deployment.netreach("kim", ["report", "quarterly", "--quarter", quarter, "--format", "csv"])
        #expect(refused.status == 1, "\(refused.standardOutput)")
        #expect(refused.standardError.contains("your key cannot read 1 wrap-up(s) or report(s)"), "\(refused.standardError)")
        #expect(refused.standardOutput.isEmpty, "a report was written: \(refused.standardOutput)")
        let allowed = try await deployment.netreach("kim", ["report", "quarterly", "--quarter", quarter, "--format", "csv", "--allow-unreadable"])
        #expect(allowed.status == 0, "\(allowed.standardError)")
        #expect(allowed.standardError.contains("cannot read"), "\(allowed.standardError)")
        #expect(allowed.standardOutput.contains("report,unreadable,,<5"), "\(allowed.standardOutput)")
        let json = try await deployment.netreach("kim", ["report", "quarterly", "--quarter", quarter, "--format", "json", "--allow-unreadable"])
        #expect(json.standardOutput.contains(#""unreadable":"<5""#), "\(json.standardOutput)")
        // jo, enrolled before, reads it all, and shares the keys with kim, which the log keeps.
        let jo = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--format", "csv"])
        #expect(jo.status == 0 && jo.standardOutput.contains("report,unreadable,,0"), "\(jo.standardError)")
        let grant = try await deployment.netreach("jo", ["grant", "kim", "--all"])
        #expect(grant.status == 0 && grant.standardOutput.contains("shared the keys of 1 conversation(s) with kim"), "\(grant.standardOutput) \(grant.standardError)")
        let again = try await deployment.netreach("jo", ["grant", "kim", "--all"])
        #expect(again.status == 0 && again.standardOutput.contains("0 conversation(s) with kim; 1 they could read already"), "\(again.standardOutput)")
        let readable = try await deployment.netreach("kim", ["report", "quarterly", "--quarter", quarter, "--format", "csv"])
        #expect(readable.status == 0 && readable.standardOutput.contains("report,unreadable,,0"), "\(readable.standardError)")
        let transcript = try await deployment.netreach("kim", ["transcript", visitor.shortID])
        #expect(transcript.standardOutput.contains("visitor: hello") && transcript.standardOutput.contains("shared the conversation key with kim"),
                "\(transcript.standardOutput)")
        #expect(try await deployment.netreach("jo", ["grant", "nobody", "--all"]).status == 2)
        #expect(try await deployment.netreach("jo", ["grant", "kim"]).status == 2)
        // A quarter that has not begun is refused, and so is a threshold of 2.
        let next = try await deployment.netreach("jo", ["report", "quarterly", "--quarter", "2099Q1"])
        #expect(next.status == 2 && next.standardError.contains("has not begun"), "\(next.standardError)")
        #expect(try await deployment.netreach("jo", ["report", "quarterly", "--quarter", quarter, "--threshold", "2"]).status == 2)
    }

    /// The quarter the relay's clock is in now, e.g. 2026Q4.
    static func currentQuarter() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        return "\(parts.year!)Q\((parts.month! - 1) / 3 + 1)"
    }

    @Test("verify recomputes every payload's hash: a payload altered on the relay's disk, its checksum made right, is DAMAGED at its position")
    func verifyAlteredPayload() async throws {
        let (deployment, _) = try await Self.answeredChat()
        defer { deployment.stop() }
        let first = try await deployment.netreach("jo", ["verify"])
        #expect(first.status == 0, "\(first.standardError)")

        try await deployment.stopRelay()
        let position = try Self.alterLastConversationPayload(segment: deployment.directory + "/data/00000000000000000000.seg")
        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        let altered = try await deployment.netreach("jo", ["verify"])
        #expect(altered.status == 1, "\(altered.standardOutput)")
        #expect(altered.standardError.contains("DAMAGED at position \(position): payload does not match its hash"), "\(altered.standardError)")
    }

    /// Flips one byte of the last conversation record's payload and makes the frame's checksum right
    /// again, as someone editing the relay's disk would; returns the record's position.
    static func alterLastConversationPayload(segment: String) throws -> UInt64 {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        var offset = 64, last: (frame: Int, length: Int, position: UInt64)?
        while offset + 4 <= bytes.count {
            let length = Int(integer(offset, UInt32.self))
            guard length >= 152, offset + 8 + length <= bytes.count else { break }
            let body = offset + 4
            let streamLength = Int(integer(body + 2, UInt16.self))
            if String(decoding: bytes[(body + 152)..<(body + 152 + streamLength)], as: UTF8.self).hasPrefix("conv:") {
                last = (offset, length, integer(body + 16, UInt64.self))
            }
            offset += 8 + length
        }
        let found = try #require(last, "no conversation record in \(segment)")
        // The payload is the body's end; its last byte is just before the checksum.
        bytes[found.frame + 4 + found.length - 1] ^= 0x01
        let crc = CRC32C.checksum(Array(bytes[found.frame..<(found.frame + 4 + found.length)]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((found.frame + 4 + found.length)..<(found.frame + 8 + found.length), with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        return found.position
    }
}
