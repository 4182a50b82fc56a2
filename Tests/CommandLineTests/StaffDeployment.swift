import ChildProcess
import Foundation
import NetreachClient
import NetreachCore
import Sodium

/// A demo deployment and a real `netreach-relay serve` process on 127.0.0.1, for driving the
/// `netreach` binary as two staff members (sam, a worker; jo, a supervisor) would.
final class StaffDeployment: @unchecked Sendable {
    let directory: String
    var relay: ChildProcess
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }
    var passphraseFile: String { directory + "/private/demo.passphrase" }

    private init(directory: String, relay: ChildProcess, port: Int) {
        self.directory = directory
        self.relay = relay
        self.port = port
    }

    /// `prepare` runs on the deployment's directory before the relay first starts (a test may mount its data folder).
    static func make(logLevel: String = "error", prepare: (String) throws -> Void = { _ in }) async throws -> StaffDeployment {
        let directory = NSTemporaryDirectory() + "netreach-cli-" + Hex.encode(Random.bytes(count: 6))
        let made = try await BinaryRunner.run("netreach-relay", ["demo-deployment", "--dir", directory])
        guard made.status == 0 else { throw HarnessError("demo-deployment failed: \(made.standardError)") }
        try prepare(directory)
        // A port outside the system's ephemeral range (32768–60999), so that a test can stop the relay and
        // start it again on the same port: a freed ephemeral port may be taken by any client socket meanwhile.
        var failures: [String] = []
        for _ in 0..<20 {
            do {
                let (relay, port) = try await startRelay(directory: directory, port: Int.random(in: 20_000..<32_000), logLevel: logLevel)
                return StaffDeployment(directory: directory, relay: relay, port: port)
            } catch {
                failures.append("\(error)")
            }
        }
        throw HarnessError("the relay could not start on any port tried: \(failures.suffix(3))")
    }

    /// Starts `netreach-relay serve` on the deployment and waits for the line that gives its port.
    static func startRelay(directory: String, port: Int = 0, logLevel: String = "error") async throws -> (ChildProcess, Int) {
        let process = try ChildProcess(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path, [
            "serve", "--data-dir", directory + "/data", "--keys", directory + "/Keys", "--relay-key", directory + "/private/relay.key",
            "--passphrase-file", directory + "/private/demo.passphrase", "--port", String(port), "--pow-bits", "4", "--log-level", logLevel,
            "--referrals", directory + "/referrals.json", "--web-config", directory + "/web-config.json",
        ])
        guard let line = await process.waitForOutputLine(containing: "127.0.0.1:", timeout: .seconds(60)),
              let range = line.range(of: "127.0.0.1:"), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
            await process.killGroup()
            throw HarnessError("the relay did not say its port: \(process.output) \(process.errors)")
        }
        return (process, port)
    }

    func home(_ name: String) -> String { directory + "/private/home-\(name)" }

    /// Runs `netreach` as `name`, with the demo passphrase from its file.
    func netreach(_ name: String, _ arguments: [String], passphraseFile: String? = nil) async throws -> BinaryRunner.Outcome {
        var arguments = arguments
        if !["whoami", "canned", "referrals", "lock"].contains(arguments.first ?? "") && !arguments.contains("--help") {
            arguments += ["--passphrase-file", passphraseFile ?? self.passphraseFile]
        }
        return try await BinaryRunner.run("netreach", arguments, environment: ["NETREACH_HOME": home(name)])
    }

    func login(_ name: String) async throws {
        let outcome = try await netreach(name, ["login", "--relay", base, "--org", directory + "/Keys/org.pub"])
        guard outcome.status == 0 else { throw HarnessError("login of \(name) failed: \(outcome.standardError)") }
    }

    /// Sends the relay SIGHUP to reload its keyring, then logs `name` in, trying for up to 10 s while
    /// the reload is under way; whether it succeeded.
    func reloadKeyringAndLogin(_ name: String) async throws -> Bool {
        relay.send(SIGHUP)
        for _ in 0..<50 {
            if (try? await login(name)) != nil { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Ends the relay at once (how it stops gracefully is tested elsewhere) and removes the deployment.
    func stop() {
        relay.send(SIGKILL)
        relay.waitBlocking(timeout: .seconds(5))
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the relay as its service manager would, with SIGTERM, and waits for it to end.
    func stopRelay() async throws {
        relay.send(SIGTERM)
        guard await relay.wait(timeout: .seconds(30)) != nil else { throw HarnessError("the relay did not stop on SIGTERM") }
    }

    /// The keyring the relay serves, verified under the demo organisation key.
    func keyring() throws -> Keyring {
        try Keyring.load(directory: directory + "/Keys")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A visitor speaking the protocol with the Swift client, as the web page does.
struct TestVisitor {
    let identity: VisitorIdentity
    var key = SecretBox.generateKey()
    let connection: RelayConnection

    /// `identity` lets a test choose the conversation id (two ids that share a prefix, say); `language`
    /// is sealed into the opening as the web page seals its language (none: as older pages opened).
    static func open(base: String, keyring: Keyring, firstMessage: String,
                     identity: VisitorIdentity = VisitorIdentity(phrase: .generate()),
                     language: VisitorLanguage? = nil) async throws -> TestVisitor {
        // A generous wait for the hello: the relay is a separate process, and a loaded test machine may be slow to schedule it.
        let connection = try await RelayConnection(url: base.replacingOccurrences(of: "http://", with: "ws://") + "/v1/ws",
                                                   helloTimeout: .seconds(60))
        let visitor = TestVisitor(identity: identity, connection: connection)
        _ = await connection.authenticate(visitor.identity.signing, role: .visitor)
        let opened = try Event.opening(identity: visitor.identity, conversationKey: visitor.key, keyring: keyring, language: language)
        guard await connection.open(opened)?["t"] as? String == "ack" else { throw HarnessError("the conversation did not open") }
        try await visitor.say(firstMessage)
        connection.send(["t": "subscribe", "from": 0])
        return visitor
    }

    func say(_ text: String) async throws {
        let event = try Event(kind: .messagePosted, conversation: identity.conversation, clientTimeMilliseconds: 0,
                              content: SealedText.seal(text, key: key), signer: identity.signing)
        guard await connection.append(event, rid: Hex.encode(event.id))?["t"] as? String == "ack" else { throw HarnessError("a message was refused") }
    }

    /// The visitor changes consent for an incident, signed with their own key.
    func consent(_ incident: IncidentID, _ level: ConsentLevel) async throws {
        let change = try ConsentChange(incident: incident, level: level)
        let event = try Event(kind: .consentChanged, conversation: identity.conversation, clientTimeMilliseconds: 0,
                              content: SealedText.seal(change.text, key: key), signer: identity.signing)
        guard await connection.append(event, rid: Hex.encode(event.id))?["t"] as? String == "ack" else { throw HarnessError("consent was refused") }
    }

    /// The next staff message the visitor receives, decrypted.
    func nextStaffMessage(timeout: Duration = .seconds(15)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = await connection.next("event", timeout: deadline - .now), message["kind"] as? String == "message.posted",
                  let text = message["event"] as? String, let event = try? Event(bytes: Base64URL.decode(text)),
                  event.author != identity.signing.publicKey
            else { continue }
            return try? SealedText.open(event.content, key: key)
        }
        return nil
    }

    /// The same visitor on a new connection, as the page reconnects when its connection drops:
    /// authenticated again and following its conversation from the start.
    func reconnected(base: String) async throws -> TestVisitor {
        await connection.close()
        var lastFailure = ""
        for _ in 0..<40 {
            do {
                let connection = try await RelayConnection(url: base.replacingOccurrences(of: "http://", with: "ws://") + "/v1/ws",
                                                           helloTimeout: .seconds(60))
                if await connection.authenticate(identity.signing, role: .visitor)?["t"] as? String == "ready" {
                    connection.send(["t": "subscribe", "from": 0])
                    return TestVisitor(identity: identity, key: key, connection: connection)
                }
                await connection.close()
            } catch {
                lastFailure = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HarnessError("the visitor could not reconnect: \(lastFailure)")
    }

    /// As `netreach inbox` shows it: the first 8 hex digits.
    var shortID: String { String(Hex.encode(identity.conversation.bytes).prefix(8)) }
}
