import ChildProcess
import Foundation
import Testing

/// Where systemd-analyze is, if it is installed (outside the suite: its trait reads it).
private let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// The systemd unit ops/deploy/netreach-relay.service, checked without systemd running: it parses
/// (`systemd-analyze verify`) and its sandbox scores 2.0 or lower (`systemd-analyze security --offline=true`).
@Suite("ops/deploy: the systemd unit verifies and is sandboxed",
       .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed on this machine (Debian: systemd)"))
struct ServiceUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let unit = repository + "/ops/deploy/netreach-relay.service"
    /// The figure docs/OPERATIONS.md promises.
    static let highestAllowedExposure = 2.0

    @Test("systemd-analyze verify accepts the unit, with ExecStart pointing at the built relay")
    func verifies() async throws {
        // The unit names /usr/bin/netreach-relay, which exists only once the package is installed; verify
        // checks that every Exec line's program exists, so it reads a copy naming the binary just built.
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let built = BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path
        #expect(text.contains("/usr/bin/netreach-relay"))
        let folder = NSTemporaryDirectory() + "netreach-unit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let copy = folder + "/netreach-relay.service"
        try Data(text.replacingOccurrences(of: "/usr/bin/netreach-relay", with: built).utf8).write(to: URL(fileURLWithPath: copy))
        let outcome = try await ChildProcess.run(try #require(systemdAnalyze), ["verify", copy], timeout: .seconds(60))
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
        // Warnings (an unknown key, a missing program) come with exit 0: any output at all is a failure.
        #expect(outcome.output.isEmpty && outcome.errors.isEmpty, "\(outcome.output)\(outcome.errors)")
    }

    @Test("systemd-analyze security --offline=true scores the unit 2.0 or lower")
    func sandboxScore() async throws {
        let outcome = try await ChildProcess.run(try #require(systemdAnalyze), ["security", "--offline=true", Self.unit],
                                                 timeout: .seconds(60))
        #expect(!outcome.errors.contains("Unknown key") && !outcome.errors.contains("ignoring"), "\(outcome.errors)")
        let line = try #require(outcome.output.split(separator: "\n").first { $0.contains("Overall exposure level") },
                                "no score in: \(outcome.output)\(outcome.errors)")
        // "→ Overall exposure level for netreach-relay.service: 1.0 OK 🙂"
        let afterColon = try #require(line.split(separator: ":").last)
        let score = try #require(Double(afterColon.split(separator: " ").first ?? ""), "\(line)")
        #expect(score <= Self.highestAllowedExposure, "\(line)")
    }

    @Test("the unit runs as netreach from /etc/netreach/relay.conf and refuses to start before the key ceremony")
    func runsFromConfiguration() throws {
        let lines = Set(try String(contentsOfFile: Self.unit, encoding: .utf8).split(separator: "\n").map(String.init))
        #expect(lines.contains("User=netreach"))
        #expect(lines.contains("ExecStartPre=/usr/bin/netreach-relay check-config /etc/netreach/relay.conf"))
        #expect(lines.contains("ExecStart=/usr/bin/netreach-relay serve --config /etc/netreach/relay.conf"))
        #expect(lines.contains("ReadWritePaths=/var/lib/netreach"))
        #expect(lines.contains("Restart=on-failure") && lines.contains("KillSignal=SIGTERM"))
    }
}
