import ChildProcess
import Foundation
import Testing

/// `netreach-relay onion` prints torrc lines; Debian's tor (installed by ops/install) accepts them
/// and makes the onion service's key and name offline (`DisableNetwork 1`: these machines cannot
/// reach the Tor network, so nothing here goes beyond the generated configuration).
@Suite("netreach-relay onion: torrc lines that Debian's tor accepts")
struct OnionCommandTests {
    static let tor = "/usr/sbin/tor"

    @Test("onion prints HiddenServiceDir and HiddenServicePort 80 to the relay on 127.0.0.1")
    func snippet() async throws {
        let outcome = try await BinaryRunner.run("netreach-relay", ["onion", "--hidden-service-dir", "/var/lib/tor/netreach", "--port", "8080"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == ["HiddenServiceDir /var/lib/tor/netreach", "HiddenServicePort 80 127.0.0.1:8080"], "\(outcome.standardOutput)")
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let says: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    @Test("a bad directory or port is a usage error (exit 2) that says what is wrong", arguments: [
        Bad(arguments: ["--hidden-service-dir", "tor/netreach", "--port", "8080"], says: "must be an absolute path, not \"tor/netreach\""),
        Bad(arguments: ["--hidden-service-dir", "/var/lib/tor/net reach", "--port", "8080"], says: "may not hold spaces"),
        Bad(arguments: ["--hidden-service-dir", "/var/lib/tor/x\nHiddenServicePort 22 127.0.0.1:22", "--port", "8080"], says: "may not hold spaces, control characters"),
        Bad(arguments: ["--hidden-service-dir", "/var/lib/tor/netreach", "--port", "0"], says: "must be 1…65535, not 0"),
        Bad(arguments: ["--hidden-service-dir", "/var/lib/tor/netreach", "--port", "65536"], says: "must be 1…65535, not 65536"),
        Bad(arguments: ["--port", "8080"], says: "Missing expected argument '--hidden-service-dir <hidden-service-dir>'"),
    ])
    func badInput(_ bad: Bad) async throws {
        let outcome = try await BinaryRunner.run("netreach-relay", ["onion"] + bad.arguments)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains(bad.says), "\(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty, "nothing is printed for tor to read: \(outcome.standardOutput)")
    }

    @Test("tor accepts the printed lines and, run offline, makes the onion service's key and .onion name")
    func torMakesTheOnionName() async throws {
        let directory = NSTemporaryDirectory() + "netreach-onion-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hiddenService = directory + "/hs"
        let printed = try await BinaryRunner.run("netreach-relay", ["onion", "--hidden-service-dir", hiddenService, "--port", "8080"])
        try #require(printed.status == 0, "\(printed.standardError)")
        let torrc = directory + "/torrc"
        try Data(("""
            DataDirectory \(directory)/data
            SocksPort 0
            DisableNetwork 1
            Log notice stdout

            """ + printed.standardOutput).utf8).write(to: URL(fileURLWithPath: torrc))

        let verified = try await ChildProcess.run(Self.tor, ["--verify-config", "-f", torrc], timeout: .seconds(120))
        #expect(verified.status == 0, "\(verified.output)\(verified.errors)")
        #expect(verified.output.contains("Configuration was valid"), "\(verified.output)")

        let tor = try ChildProcess(Self.tor, ["-f", torrc], mergingErrorsIntoOutput: true)
        defer {
            tor.send(SIGKILL)
            tor.waitBlocking(timeout: .seconds(10))
        }
        let hostnamePath = hiddenService + "/hostname"
        let deadline = ContinuousClock.now + .seconds(120)
        while !FileManager.default.fileExists(atPath: hostnamePath), tor.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let hostname = try #require(try? String(contentsOfFile: hostnamePath, encoding: .utf8), "tor made no hostname: \(tor.output)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // A v3 onion name: 56 base32 characters (a–z, 2–7), then .onion.
        #expect(hostname.count == 62 && hostname.hasSuffix(".onion")
                && hostname.dropLast(6).allSatisfy { ("a"..."z").contains($0) || ("2"..."7").contains($0) }, "\(hostname)")
        // What docs/OPERATIONS.md says to back up is there, and readable by tor's user alone.
        #expect(FileManager.default.fileExists(atPath: hiddenService + "/hs_ed25519_secret_key"))
        let mode = try FileManager.default.attributesOfItem(atPath: hiddenService)[.posixPermissions] as? Int
        #expect(mode == 0o700, "the hidden service directory's mode is \(String(mode ?? 0, radix: 8))")

        // Stopped by its PID. A TERM that lands before tor has installed its handlers (it writes the
        // hostname first) ends it by the signal instead of a clean exit: either is a stopped tor.
        tor.send(SIGTERM)
        let ended = await tor.wait(timeout: .seconds(60))
        // tor 0.4.9 also aborts, now and then, in its own teardown after "Catching signal TERM, exiting
        // cleanly" when the TERM comes within its first second (seen 2 in 6 runs here; never with a second's
        // wait): it took the signal and stopped, which is what this checks.
        let tookTerm = ended == .signalled(SIGABRT) && tor.output.contains("Catching signal TERM")
        #expect(ended == .exited(0) || ended == .signalled(SIGTERM) || tookTerm, "\(String(describing: ended)): \(tor.output)")
    }
}
