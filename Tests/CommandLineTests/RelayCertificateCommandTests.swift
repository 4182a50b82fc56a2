import ChildProcess
import Foundation
import NetreachCore
import Sodium
import Testing

/// A deployment with several relays: each makes its own key, the organisation certifies each
/// (`netreach org certify-relay`), and a relay whose key is not certified, or revoked, refuses to start.
@Suite("netreach org certify-relay, and a relay that is not certified")
struct RelayCertificateCommandTests {
    typealias Configured = ConfigFileCommandTests.Configured

    /// Starts `serve --config` and returns its first line saying it listens, or its refusal.
    func serve(_ deployment: Configured) async throws -> (started: Bool, output: String) {
        let relay = try ChildProcess(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path,
                                     ["serve", "--config", deployment.configPath])
        defer { relay.send(SIGKILL) }
        let listening = await relay.waitForOutputLine(containing: "listening on", timeout: .seconds(60))
        if listening == nil { _ = await relay.wait(timeout: .seconds(30)) }
        return (listening != nil, relay.output + relay.errors)
    }

    @Test("a second relay's key made by make-key, certified with its fingerprint; an uncertified relay then refuses to start; a revoked one too")
    func certifyAndRefuse() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        let passphrase = deployment.directory + "/private/demo.passphrase"
        let keyB = deployment.directory + "/private/relay-b.key"
        let made = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", keyB, "--passphrase-file", passphrase])
        #expect(made.status == 0, "\(made.standardError)")
        let lines = made.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let publicKey = try #require(lines.first { $0.hasPrefix("public key") }).components(separatedBy: .whitespaces).last!
        let fingerprint = String(try #require(lines.first { $0.hasPrefix("fingerprint") }).dropFirst("fingerprint".count))
            .trimmingCharacters(in: .whitespaces)
        let certify = ["org", "certify-relay", "relay-b", "--key", publicKey, "--keys", deployment.directory + "/Keys",
                       "--private-key", deployment.directory + "/private/org.key", "--passphrase-file", passphrase]

        // A fingerprint that is not the key's: nothing is signed.
        let wrong = try await BinaryRunner.run("netreach", certify + ["--fingerprint", String(repeating: "0", count: 32)])
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("does not match"), "\(wrong.standardError)")
        #expect(!FileManager.default.fileExists(atPath: deployment.directory + "/Keys/relays/relay-b.cert"))

        let certified = try await BinaryRunner.run("netreach", certify + ["--fingerprint", fingerprint])
        #expect(certified.status == 0, "\(certified.standardError)")
        let keyring = try Keyring.load(directory: deployment.directory + "/Keys")
        #expect(keyring.relays.map(\.name.text) == ["relay-b"])
        let twice = try await BinaryRunner.run("netreach", certify + ["--fingerprint", fingerprint])
        #expect(twice.status == 1 && twice.standardError.contains("already certified"), "\(twice.standardError)")

        // The demo's own relay key is not certified: with relay-b certified, it may not serve this deployment.
        try deployment.write()
        let refused = try await serve(deployment)
        #expect(!refused.started)
        #expect(refused.output.contains("is not certified in the keyring's relays/ folder"), "\(refused.output)")

        // relay-b's key is: it starts.
        try deployment.write(["relay-key": "relay-key = \(keyB)"])
        let started = try await serve(deployment)
        #expect(started.started, "\(started.output)")

        let revoked = try await BinaryRunner.run("netreach", ["org", "revoke", "relay-b", "--relay", "--reason", "machine retired",
                                                              "--keys", deployment.directory + "/Keys", "--private-key",
                                                              deployment.directory + "/private/org.key", "--passphrase-file", passphrase])
        #expect(revoked.status == 0, "\(revoked.standardError)")
        let afterRevocation = try await serve(deployment)
        #expect(!afterRevocation.started)
        #expect(afterRevocation.output.contains("is revoked in the keyring"), "\(afterRevocation.output)")
    }
}
