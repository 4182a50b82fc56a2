import Foundation
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// Canned replies with versions in visitors' languages: the file, the choice of version, and
/// `netreach canned` with good and bad input.
@Suite("Canned replies in visitors' languages")
struct CannedRepliesTests {
    static func home() throws -> (NetreachHome, String) {
        let path = NSTemporaryDirectory() + "netreach-canned-" + Hex.encode(Random.bytes(count: 6))
        return (try NetreachHome(path: path), path)
    }

    @Test("the version in the visitor's language, then one in the same primary language, then the default; saved and loaded as written")
    func chooses() throws {
        var canned = CannedReplies()
        try canned.add(name: "hours", text: "Monday to Friday")
        try canned.add(name: "hours", language: VisitorLanguage("ro"), text: "Luni până vineri")
        try canned.add(name: "hours", language: VisitorLanguage("pt-BR"), text: "Segunda a sexta")
        try canned.add(name: "hours", language: VisitorLanguage("es"), text: "De lunes a viernes")
        try canned.add(name: "only-ro", language: VisitorLanguage("ro"), text: "Doar în română\nși pe două rânduri")
        #expect(canned.reply(named: "hours", for: try VisitorLanguage("RO"))?.text == "Luni până vineri")
        #expect(try canned.reply(named: "hours", for: VisitorLanguage("es-MX"))?.language == VisitorLanguage("es"))
        #expect(canned.reply(named: "hours", for: try VisitorLanguage("pt"))?.text == "Segunda a sexta")
        #expect(canned.reply(named: "hours", for: try VisitorLanguage("bg"))?.language == nil)
        #expect(canned.reply(named: "hours", for: nil)?.text == "Monday to Friday")
        #expect(canned.reply(named: "only-ro", for: try VisitorLanguage("pl")) == nil)
        #expect(canned.reply(named: "only-ro", for: nil) == nil)
        #expect(canned.reply(named: "nope", for: nil) == nil)

        let (home, path) = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try canned.save(home: home)
        #expect(CannedReplies.load(home: home) == canned)
        let file = try String(contentsOfFile: home.cannedPath, encoding: .utf8)
        #expect(file.contains("hours@pt-BR\tSegunda a sexta\n") && file.contains("only-ro@ro\tDoar în română\\nși pe două rânduri\n"))
        #expect(canned.names == ["hours", "only-ro"])
        #expect(canned.entries.map { $0.language?.tag ?? "default" } == ["default", "es", "pt-BR", "ro", "ro"])
    }

    @Test("a file with a bad name or tag keeps its good lines; removing one version keeps the others, the last removes the name")
    func badLinesAndRemoval() throws {
        let (home, path) = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try home.createFolder()
        try "hours\tdefault\nhours@ro\tro text\nBad Name\tx\nhours@not a tag\ty\nhours@\tz\nno tab here\n"
            .write(toFile: home.cannedPath, atomically: true, encoding: .utf8)
        var canned = CannedReplies.load(home: home)
        #expect(canned.entries.map(\.text) == ["default", "ro text"])
        #expect(throws: WorkError.self) { try canned.remove(name: "hours", language: VisitorLanguage("pl")) }
        try canned.remove(name: "hours")
        #expect(canned.names == ["hours"] && canned.reply(named: "hours", for: nil) == nil)
        try canned.remove(name: "hours", language: VisitorLanguage("ro"))
        #expect(canned.names.isEmpty)
        #expect(throws: WorkError.self) { try canned.remove(name: "hours") }
        #expect(throws: WorkError.self) { try canned.add(name: "hours", language: VisitorLanguage("ro"), text: "   ") }
    }

    @Test("netreach canned add/list/remove with --language; a bad tag is a usage error and nothing is saved")
    func command() async throws {
        let (_, path) = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        func netreach(_ arguments: [String]) async throws -> BinaryRunner.Outcome {
            try await BinaryRunner.run("netreach", arguments, environment: ["NETREACH_HOME": path])
        }
        #expect(try await netreach(["canned", "add", "hours", "Monday to Friday"]).status == 0)
        let ro = try await netreach(["canned", "add", "hours", "--language", "ro", "Luni până vineri"])
        #expect(ro.status == 0 && ro.standardOutput.contains("saved canned reply 'hours' in ro"), "\(ro.standardError)")
        let bad = try await netreach(["canned", "add", "hours", "--language", "pt_BR", "x"])
        #expect(bad.status == 2 && bad.standardError.contains("--language"), "\(bad.standardError)")
        let list = try await netreach(["canned", "list", "--format", "csv"])
        #expect(list.standardOutput == "Name,Language,Text\nhours,default,Monday to Friday\nhours,ro,Luni până vineri\n", "\(list.standardOutput)")
        let removed = try await netreach(["canned", "remove", "hours", "--language", "ro"])
        #expect(removed.status == 0, "\(removed.standardError)")
        let missing = try await netreach(["canned", "remove", "hours", "--language", "ro"])
        #expect(missing.status == 1 && missing.standardError.contains("no ro version"), "\(missing.standardError)")
        #expect(try await netreach(["canned", "list", "--format", "csv"]).standardOutput == "Name,Language,Text\nhours,default,Monday to Friday\n")
    }
}
