import ChildProcess
import Foundation
import NetreachClient
import NetreachCore
import Testing

/// After a scripted session with known words, a known user agent, cookie and client address, none of
/// them may appear in the relay's data directory or in anything it printed, at its most verbose.
@Suite("Privacy scan: the relay keeps no visitor address, agent, cookie or words", .serialized)
struct PrivacyScanTests {
    static let probe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/privacy_probe.py").path

    @Test("a chat, a report and requests from a marked client leave no trace in the relay's files or logs")
    func scan() async throws {
        let deployment = try await StaffDeployment.make(logLevel: "trace")
        defer { deployment.stop() }
        try await deployment.login("sam")
        let words = ["my name is Jolene Example", "I live at 14 Larkspur Street", "he drives a red Vauxhall"]
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: words[0])
        try await visitor.say(words[1])
        #expect(try await deployment.netreach("sam", ["send", visitor.shortID, "Thanks Jolene, you are safe here"]).status == 0)
        let report = try await deployment.netreach("sam", [
            "report", "incident", visitor.shortID, "--date", "2026-11-20", "--area", "Larkspur Estate", "--setting", "indoor",
            "--what", "robbery", "--phone", "07700 900456", "--account", words[2], "--no-support", "--consent", "2"])
        #expect(report.status == 0, "\(report.standardError)")

        let address = "127.0.0.77", agent = "NetreachPrivacyProbe/1.0 (scan 5150)", cookie = "probe=cookie-value-5150"
        let probed = try await ChildProcess.run("/usr/bin/python3", [Self.probe, String(deployment.port), address, agent, cookie],
                                                timeout: .seconds(60))
        #expect(probed.status == 0, "\(probed.errors)")
        #expect(probed.output.contains("200"), "the probe's requests were not answered: \(probed.output)")

        // Stop the relay so that everything it would write is written.
        try await deployment.stopRelay()
        let printed = Array((deployment.relay.output + deployment.relay.errors).utf8)
        #expect(!printed.isEmpty, "the relay printed nothing at trace level: the scan would prove nothing")
        var stored: [UInt8] = []
        let enumerator = FileManager.default.enumerator(atPath: deployment.directory + "/data")
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: deployment.directory + "/data/" + name) { stored += data }
        }
        #expect(!stored.isEmpty)
        let needles = words + ["Jolene", "Larkspur", "Vauxhall", "07700 900456", "+447700900456", "you are safe here",
                               address, agent, "PrivacyProbe", "cookie-value-5150"]
        for needle in needles {
            #expect(!printed.contains(Array(needle.utf8)), "'\(needle)' is in what the relay printed")
            #expect(!stored.contains(Array(needle.utf8)), "'\(needle)' is in the relay's data directory")
        }
    }
}
