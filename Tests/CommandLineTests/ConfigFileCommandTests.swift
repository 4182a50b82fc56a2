import ChildProcess
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// `netreach-relay serve --config FILE` and `netreach-relay check-config FILE` as built binaries.
@Suite("netreach-relay: the configuration file, check-config and serve --config")
struct ConfigFileCommandTests {
    /// A demo deployment and a configuration file naming its files.
    struct Configured {
        let directory: String
        var configPath: String { directory + "/relay.conf" }

        static func make() async throws -> Configured {
            let directory = NSTemporaryDirectory() + "netreach-conf-" + Hex.encode(Random.bytes(count: 6))
            let made = try await BinaryRunner.run("netreach-relay", ["demo-deployment", "--dir", directory])
            guard made.status == 0 else { throw HarnessError("demo-deployment failed: \(made.standardError)") }
            return Configured(directory: directory)
        }

        /// The lines of a configuration for this deployment; `replacing` swaps a key's line (nil drops it).
        func write(_ replacing: [String: String?] = [:], extra: [String] = []) throws {
            var lines = [
                ("data-dir", "data-dir = \(directory)/data"),
                ("keys", "keys = \"\(directory)/Keys\""),
                ("relay-key", "relay-key = \(directory)/private/relay.key"),
                ("passphrase-file", "passphrase-file = \(directory)/private/demo.passphrase"),
                ("host", "host = 127.0.0.1"),
                ("port", "port = 0"),
                ("pow-bits", "pow-bits = 4   # quick for tests"),
                ("log-level", "log-level = error"),
                ("web-config", "web-config = \(directory)/web-config.json"),
                ("referrals", "referrals = \(directory)/referrals.json"),
            ].compactMap { key, line -> String? in
                if let replacement = replacing[key] { return replacement }
                return line
            }
            lines += extra
            try Data(("# a test configuration\n" + lines.joined(separator: "\n") + "\n").utf8)
                .write(to: URL(fileURLWithPath: configPath))
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test("check-config accepts a good file and a finished key ceremony (exit 0)")
    func checkConfigGood() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        try deployment.write()
        let outcome = try await BinaryRunner.run("netreach-relay", ["check-config", deployment.configPath])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("is valid"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: deployment.directory + "/data").isEmpty, "check-config must not open the log")
    }

    @Test("check-config refuses a bad value with the file, line and key (exit 1)")
    func checkConfigBadValue() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        try deployment.write(["port": "port = eighty"])
        let outcome = try await BinaryRunner.run("netreach-relay", ["check-config", deployment.configPath])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("\(deployment.configPath):7: port: \"eighty\" is not a whole number"), "\(outcome.standardError)")
    }

    @Test("check-config refuses a TLS key that is not the certificate's, naming the key's line (exit 1)")
    func checkConfigMismatchedTLSPair() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        for name in ["one", "two"] {
            let made = try await ChildProcess.run("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", "\(deployment.directory)/\(name).key", "-out", "\(deployment.directory)/\(name).crt",
            ], timeout: .seconds(60))
            try #require(made.status == 0, "\(made.errors)")
        }
        try deployment.write(extra: ["tls-cert = \(deployment.directory)/one.crt", "tls-key = \(deployment.directory)/two.key"])
        let outcome = try await BinaryRunner.run("netreach-relay", ["check-config", deployment.configPath])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("\(deployment.configPath):13: tls-key: \(deployment.directory)/two.key: refused with the certificate"),
                "\(outcome.standardError)")
        try deployment.write(extra: ["tls-cert = \(deployment.directory)/two.crt", "tls-key = \(deployment.directory)/two.key"])
        let good = try await BinaryRunner.run("netreach-relay", ["check-config", deployment.configPath])
        #expect(good.status == 0, "\(good.standardError)")
    }

    @Test("serve refuses to start with a TLS certificate that is not PEM, naming the file, and opens no log (exit 1)")
    func serveRefusesBadCertificate() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        let made = try await ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-keyout", "\(deployment.directory)/tls.key", "-out", "\(deployment.directory)/tls.crt",
        ], timeout: .seconds(60))
        try #require(made.status == 0, "\(made.errors)")
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: "\(deployment.directory)/tls.crt"))
        try deployment.write(extra: ["tls-cert = \(deployment.directory)/tls.crt", "tls-key = \(deployment.directory)/tls.key"])
        let outcome = try await BinaryRunner.run("netreach-relay", ["serve", "--config", deployment.configPath])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("serve: TLS: \(deployment.directory)/tls.crt: not a PEM certificate chain"), "\(outcome.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: deployment.directory + "/data").isEmpty, "nothing may be opened")
    }

    @Test("check-config refuses a file that does not exist (exit 1)")
    func checkConfigMissingFile() async throws {
        let outcome = try await BinaryRunner.run("netreach-relay", ["check-config", "/nonexistent/relay.conf"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("/nonexistent/relay.conf: the configuration file does not exist"), "\(outcome.standardError)")
    }

    @Test("before the key ceremony, check-config says to run it (missing relay key, passphrase or keyring)",
          arguments: ["relay-key", "passphrase-file", "keys"])
    func checkConfigBeforeCeremony(_ key: String) async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        try deployment.write([key: "\(key) = \(deployment.directory)/not-made-yet"])
        let outcome = try await BinaryRunner.run("netreach-relay", ["check-config", deployment.configPath])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains(": \(key): "), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("run the key ceremony first: docs/OPERATIONS.md"), "\(outcome.standardError)")
    }

    @Test("serve --config refuses an unknown key at start, naming file, line and key, and opens nothing")
    func serveRefusesUnknownKey() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        try deployment.write(extra: ["pow-bitz = 4"])
        let outcome = try await BinaryRunner.run("netreach-relay", ["serve", "--config", deployment.configPath])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("\(deployment.configPath):12: pow-bitz: unknown key"), "\(outcome.standardError)")
        // demo-deployment makes the data folder empty; a relay that had started would have put its log there.
        #expect(try FileManager.default.contentsOfDirectory(atPath: deployment.directory + "/data").isEmpty,
                "nothing may start on a bad configuration")
    }

    @Test("serve --config runs from the file alone, and a flag overrides the file's value")
    func serveFromFileWithOverride() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        // The file says 127.0.0.2; the flag says 127.0.0.1, and the relay must listen there.
        try deployment.write(["host": "host = 127.0.0.2"])
        let relay = try ChildProcess(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path,
                                     ["serve", "--config", deployment.configPath, "--host", "127.0.0.1"])
        defer {
            relay.send(SIGKILL)
            relay.waitBlocking(timeout: .seconds(5))
        }
        let line = await relay.waitForOutputLine(containing: "listening on", timeout: .seconds(60))
        let listening = try #require(line, "the relay did not start: \(relay.errors)")
        let range = try #require(listening.range(of: "http://127.0.0.1:"), "\(listening)")
        let port = try #require(Int(listening[range.upperBound...].prefix { $0.isNumber }))
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("\"status\":\"ok\""))
        relay.send(SIGTERM)
        #expect(await relay.wait(timeout: .seconds(30))?.status == 0)
    }

    @Test("serve runs its tasks on SwiftNIO's event loops, and says so when the log is open")
    func serveRunsTasksOnEventLoops() async throws {
        let (opened, output) = try await startupLines(containing: "log open", logLevel: "info")
        #expect(opened.count == 1 && opened[0].contains("tasks=event-loops"), "\(output)")
    }

    @Test("serve with behind-proxy says at start that the per-address opens limit is off")
    func serveBehindProxySaysSo() async throws {
        let (said, output) = try await startupLines(containing: "behind a proxy", extra: ["behind-proxy = true"], logLevel: "notice")
        #expect(said.count == 1 && said[0].contains("per-address opens limit is off") && said[0].contains("opens-per-address-per-hour=0"),
                "\(output)")
    }

    /// Starts `serve` on a deployment's file (with `extra` lines), waits until it listens, stops it
    /// with SIGTERM (expecting a clean exit), and returns the lines it wrote that contain `text`, and all it wrote.
    private func startupLines(containing text: String, extra: [String] = [], logLevel: String) async throws -> ([String], String) {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        try deployment.write(extra: extra)
        let relay = try ChildProcess(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path,
                                     ["serve", "--config", deployment.configPath, "--log-level", logLevel], mergingErrorsIntoOutput: true)
        defer {
            relay.send(SIGKILL)
            relay.waitBlocking(timeout: .seconds(5))
        }
        let started = await relay.waitForOutputLine(containing: "listening on", timeout: .seconds(60))
        try #require(started != nil, "the relay did not start: \(relay.output)")
        let output = relay.output
        relay.send(SIGTERM)
        #expect(await relay.wait(timeout: .seconds(30))?.status == 0)
        return (output.split(separator: "\n").filter { $0.contains(text) }.map(String.init), output)
    }

    @Test("serve --behind-proxy with a non-zero --opens-per-address-per-hour is a usage error (exit 2), nothing started")
    func serveBehindProxyContradiction() async throws {
        let deployment = try await Configured.make()
        defer { deployment.remove() }
        try deployment.write()
        let outcome = try await BinaryRunner.run("netreach-relay", ["serve", "--config", deployment.configPath,
                                                                    "--behind-proxy", "--opens-per-address-per-hour", "30"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("--behind-proxy turns the per-address opens limit off; --opens-per-address-per-hour 30 contradicts it"),
                "\(outcome.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: deployment.directory + "/data").isEmpty)
    }

    @Test("every option serve takes has a configuration key, and every key is an option (no drift)")
    func everyOptionHasAKey() async throws {
        let outcome = try await BinaryRunner.run("netreach-relay", ["serve", "--experimental-dump-help"])
        try #require(outcome.status == 0, "\(outcome.standardError)")
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let command = try #require(dump["command"] as? [String: Any])
        #expect(command["commandName"] as? String == "serve")
        let arguments = try #require(command["arguments"] as? [[String: Any]])
        var names = Set<String>()
        for argument in arguments {
            for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                if let text = name["name"] as? String { names.insert(text) }
            }
        }
        // --config names the file itself; --help and --version are argument-parser's; --no-X is the inversion of --X.
        names.subtract(["config", "help", "version"])
        names = names.filter { !($0.hasPrefix("no-") && names.contains(String($0.dropFirst(3)))) }
        #expect(names == Set(ServeOptions.Key.allCases.map(\.rawValue)))
    }
}
