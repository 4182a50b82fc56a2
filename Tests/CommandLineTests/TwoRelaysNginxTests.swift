import ChildProcess
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCore
import PostgresTestSupport
import Sodium
import Testing

/// Two built relays on one PostgreSQL database, each with its own certified key, behind Debian's
/// nginx as the deployment's one address (docs/OPERATIONS.md, "Two machines"): the staff CLI in a
/// terminal and a visitor chat through nginx while each relay in turn is killed with SIGKILL.
@Suite("Two relays behind nginx: a relay killed mid-chat, and the chat goes on through the other")
struct TwoRelaysNginxTests {
    /// One relay process on the shared database, with its port (kept across a restart).
    final class Relay: @unchecked Sendable {
        let key: String
        let port: Int
        var process: ChildProcess

        init(key: String, port: Int, process: ChildProcess) {
            self.key = key
            self.port = port
            self.process = process
        }

        static func start(directory: String, store: String, key: String, port: Int? = nil) async throws -> Relay {
            var problem = ""
            for _ in 0..<20 {
                let candidate = port ?? Int.random(in: 20_000..<32_000)
                let process = try ChildProcess(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path, [
                    "serve", "--store", store, "--keys", directory + "/Keys", "--relay-key", key,
                    "--passphrase-file", directory + "/private/demo.passphrase", "--port", String(candidate), "--pow-bits", "4",
                    "--log-level", "error", "--referrals", directory + "/referrals.json", "--web-config", directory + "/web-config.json",
                ])
                if await process.waitForOutputLine(containing: "listening on", timeout: .seconds(60)) != nil {
                    return Relay(key: key, port: candidate, process: process)
                }
                await process.killGroup()
                problem = process.errors
                if port != nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            throw HarnessError("a relay did not start: \(problem.suffix(400))")
        }

        func kill() async {
            process.send(SIGKILL)
            _ = await process.wait(timeout: .seconds(30))
        }

        func restart(directory: String, store: String) async throws {
            process = try await Relay.start(directory: directory, store: store, key: key, port: port).process
        }
    }

    /// Makes a relay key with make-key and certifies it as `name`.
    static func certifiedKey(_ name: String, directory: String) async throws -> String {
        let path = directory + "/private/\(name).key"
        let passphrase = directory + "/private/demo.passphrase"
        let made = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", path, "--passphrase-file", passphrase])
        guard made.status == 0 else { throw HarnessError("make-key: \(made.standardError)") }
        let lines = made.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let key = lines.first(where: { $0.hasPrefix("public key") })?.components(separatedBy: .whitespaces).last,
              let fingerprint = lines.first(where: { $0.hasPrefix("fingerprint") }).map({ String($0.dropFirst("fingerprint".count)) })
        else { throw HarnessError("make-key printed no key: \(made.standardOutput)") }
        let certified = try await BinaryRunner.run("netreach", [
            "org", "certify-relay", name, "--key", key, "--fingerprint", fingerprint.trimmingCharacters(in: .whitespaces),
            "--keys", directory + "/Keys", "--private-key", directory + "/private/org.key", "--passphrase-file", passphrase])
        guard certified.status == 0 else { throw HarnessError("certify-relay: \(certified.standardError)") }
        return path
    }

    /// nginx in the foreground, the one address in front of `relays`, configured as docs/OPERATIONS.md
    /// ("Two machines") says: no relay is ever marked down (`max_fails=0`), a request that cannot
    /// connect goes to the next one. With `max_fails=1`, a request after both relays had each failed
    /// once within `fail_timeout` was answered 502 although one was up again (seen in this test).
    static func startNginx(directory: String, relays: [Relay]) async throws -> (ChildProcess, Int) {
        try FileManager.default.createDirectory(atPath: directory + "/nginx/tmp", withIntermediateDirectories: true)
        let temporary = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map { "\($0)_temp_path \(directory)/nginx/tmp/\($0);" }
        for _ in 0..<20 {
            let port = Int.random(in: 20_000..<32_000)
            try """
                worker_processes 1;
                pid \(directory)/nginx/nginx.pid;
                error_log \(directory)/nginx/error.log crit;
                events { worker_connections 256; }
                http {
                    \(temporary.joined(separator: "\n    "))
                    access_log off;
                    map $http_upgrade $netreach_connection { default upgrade; '' close; }
                    upstream netreach_relays {
                        \(relays.map { "server 127.0.0.1:\($0.port) max_fails=0;" }.joined(separator: "\n        "))
                    }
                    server {
                        listen 127.0.0.1:\(port);
                        location / {
                            proxy_pass http://netreach_relays;
                            proxy_http_version 1.1;
                            proxy_set_header Upgrade $http_upgrade;
                            proxy_set_header Connection $netreach_connection;
                            proxy_read_timeout 1h;
                            proxy_connect_timeout 2s;
                            proxy_next_upstream error timeout;
                        }
                    }
                }
                """.write(toFile: directory + "/nginx/nginx.conf", atomically: true, encoding: .utf8)
            let nginx = try ChildProcess("/usr/sbin/nginx", ["-c", directory + "/nginx/nginx.conf", "-p", directory + "/nginx", "-g", "daemon off;"])
            for _ in 0..<100 {
                if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!),
                   (response as? HTTPURLResponse)?.statusCode == 200 { return (nginx, port) }
                if await nginx.wait(timeout: .milliseconds(100)) != nil { break }  // the port was taken: another
            }
            nginx.send(SIGKILL)
        }
        throw HarnessError("nginx did not start")
    }

    @Test("a visitor and the staff CLI through nginx; each relay in turn SIGKILLed mid-chat: both reconnect through nginx to the other, every message arrives once, and netreach verify accepts both relays' checkpoints")
    func killEachRelay() async throws {
        let directory = NSTemporaryDirectory() + "netreach-two-" + Hex.encode(Random.bytes(count: 6))
        let made = try await BinaryRunner.run("netreach-relay", ["demo-deployment", "--dir", directory])
        try #require(made.status == 0, "\(made.standardError)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = [try await Self.certifiedKey("relay-a", directory: directory), try await Self.certifiedKey("relay-b", directory: directory)]

        try await withTestDatabase { server, database in
            let store = "postgresql://netreach@127.0.0.1:\(server.port)/\(database)"
            var relays: [Relay] = []
            for key in keys { relays.append(try await Relay.start(directory: directory, store: store, key: key)) }
            let (nginx, port) = try await Self.startNginx(directory: directory, relays: relays)
            defer {
                nginx.send(SIGKILL)
                for relay in relays { relay.process.send(SIGKILL) }
            }
            let base = "http://127.0.0.1:\(port)"
            let home = directory + "/private/home-sam", passphrase = directory + "/private/demo.passphrase"
            func netreach(_ arguments: [String], as name: String = "sam") async throws -> BinaryRunner.Outcome {
                try await BinaryRunner.run("netreach", arguments + ["--passphrase-file", passphrase],
                                           environment: ["NETREACH_HOME": directory + "/private/home-\(name)"])
            }
            let login = try await netreach(["login", "--relay", base, "--org", directory + "/Keys/org.pub"])
            try #require(login.status == 0, "\(login.standardError)")
            let keyring = try Keyring.load(directory: directory + "/Keys")
            var visitor = try await TestVisitor.open(base: base, keyring: keyring, firstMessage: "hello, anyone there?")

            let session = "netreach-two-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
            let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
            try await Tmux.run(["new-session", "-d", "-s", session, "-x", "160", "-y", "40",
                                "env NETREACH_HOME=\(home) \(binary) chat \(visitor.shortID) --passphrase-file \(passphrase); sleep 60"])
            defer { Tmux.kill(session) }
            #expect(try await Tmux.screen(session, until: { $0.contains("sam>") && $0.contains("visitor: hello, anyone there?") }) != nil)

            for (index, name) in ["a", "b"].enumerated() {
                // The relay goes, as a machine dies: no goodbye to anyone.
                await relays[index].kill()
                // The visitor's page reconnects to the same address when its connection drops; nginx sends it to the other relay.
                visitor = try await visitor.reconnected(base: base)
                try await visitor.say("still here after relay \(name) died")
                #expect(try await Tmux.screen(session, until: { $0.contains("visitor: still here after relay \(name) died") }) != nil)
                try await Tmux.run(["send-keys", "-t", session, "-l", "we can still hear you (\(name))"])
                try await Tmux.run(["send-keys", "-t", session, "Enter"])
                var heard: [String] = []
                while let message = await visitor.nextStaffMessage(timeout: .seconds(60)) {
                    heard.append(message)
                    if message == "we can still hear you (\(name))" { break }
                }
                #expect(heard.last == "we can still hear you (\(name))", "the visitor heard \(heard)")
                try await relays[index].restart(directory: directory, store: store)
            }
            #expect(try await Tmux.screen(session, until: { $0.contains("reconnected") }) != nil,
                    "the CLI was on one of the relays killed, so it reconnected at least once")
            try await Tmux.run(["send-keys", "-t", session, "-l", "/quit"])
            try await Tmux.run(["send-keys", "-t", session, "Enter"])
            try await Task.sleep(for: .milliseconds(500))

            // Each message once, in order, in the staff member's transcript.
            let transcript = try await netreach(["transcript", visitor.shortID, "--format", "csv"])
            #expect(transcript.status == 0, "\(transcript.standardError)")
            let texts = ["hello, anyone there?", "still here after relay a died", "we can still hear you (a)",
                         "still here after relay b died", "we can still hear you (b)"]
            for text in texts {
                #expect(transcript.standardOutput.components(separatedBy: text).count - 1 == 1, "\(text) in \(transcript.standardOutput)")
            }
            let positions = texts.compactMap { transcript.standardOutput.range(of: $0)?.lowerBound }
            #expect(positions == positions.sorted(), "in the order they were sent")

            // Relay a stops gracefully and signs a checkpoint with its key; verify, answered by relay b, accepts it.
            relays[0].process.send(SIGTERM)
            _ = await relays[0].process.wait(timeout: .seconds(30))
            let supervisor = try await netreach(["login", "--relay", base, "--org", directory + "/Keys/org.pub"], as: "jo")
            try #require(supervisor.status == 0, "\(supervisor.standardError)")
            let verified = try await netreach(["verify"], as: "jo")
            #expect(verified.status == 0, "\(verified.standardOutput) \(verified.standardError)")
            #expect(verified.standardOutput.contains("checkpoint"), "\(verified.standardOutput)")
        }
    }
}
