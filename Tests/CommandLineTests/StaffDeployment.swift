import Foundation
import NetreachClient
import NetreachCore
import Sodium

/// A demo deployment and a real `netreach-relay serve` process on 127.0.0.1, for driving the
/// `netreach` binary as two staff members (sam, a worker; jo, a supervisor) would.
final class StaffDeployment: @unchecked Sendable {
    let directory: String
    var relay: Process
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }
    var passphraseFile: String { directory + "/private/demo.passphrase" }

    private init(directory: String, relay: Process, port: Int) {
        self.directory = directory
        self.relay = relay
        self.port = port
    }

    static func make() async throws -> StaffDeployment {
        let directory = NSTemporaryDirectory() + "netreach-cli-" + Hex.encode(Random.bytes(count: 6))
        let made = try await BinaryRunner.run("netreach-relay", ["demo-deployment", "--dir", directory])
        guard made.status == 0 else { throw HarnessError("demo-deployment failed: \(made.standardError)") }
        let (relay, port) = try await startRelay(directory: directory)
        return StaffDeployment(directory: directory, relay: relay, port: port)
    }

    static func startRelay(directory: String, port: Int = 0) async throws -> (Process, Int) {
        let started = try await offThePool { try startRelayBlocking(directory: directory, port: port) }
        return (started.process, started.port)
    }

    private struct Started: @unchecked Sendable { let process: Process; let port: Int }

    private static func startRelayBlocking(directory: String, port: Int) throws -> Started {
        let process = Process()
        process.executableURL = BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay")
        process.arguments = ["serve", "--data-dir", directory + "/data", "--keys", directory + "/Keys", "--relay-key", directory + "/private/relay.key",
                             "--passphrase-file", directory + "/private/demo.passphrase", "--port", String(port), "--pow-bits", "4",
                             "--log-level", "error"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "127.0.0.1:"), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw HarnessError("the relay did not say its port: \(text)")
        }
        return Started(process: process, port: port)
    }

    func home(_ name: String) -> String { directory + "/private/home-\(name)" }

    /// Runs `netreach` as `name`, with the demo passphrase from its file.
    func netreach(_ name: String, _ arguments: [String], passphraseFile: String? = nil) async throws -> BinaryRunner.Outcome {
        var arguments = arguments
        if !["whoami", "canned"].contains(arguments.first ?? "") && !arguments.contains("--help") {
            arguments += ["--passphrase-file", passphraseFile ?? self.passphraseFile]
        }
        return try await BinaryRunner.run("netreach", arguments, environment: ["NETREACH_HOME": home(name)])
    }

    func login(_ name: String) async throws {
        let outcome = try await netreach(name, ["login", "--relay", base, "--org", directory + "/Keys/org.pub"])
        guard outcome.status == 0 else { throw HarnessError("login of \(name) failed: \(outcome.standardError)") }
    }

    func stop() {
        if relay.isRunning { relay.terminate(); relay.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: directory)
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
    let identity = VisitorIdentity(phrase: .generate())
    let key = SecretBox.generateKey()
    let connection: RelayConnection

    static func open(base: String, keyring: Keyring, firstMessage: String) async throws -> TestVisitor {
        let connection = try await RelayConnection(url: base.replacingOccurrences(of: "http://", with: "ws://") + "/v1/ws")
        let visitor = TestVisitor(connection: connection)
        _ = await connection.authenticate(visitor.identity.signing, role: .visitor)
        var wraps = keyring.active.map { Wrap(key: visitor.key, to: $0.keyID.bytes, recipientKey: $0.boxKey, from: visitor.identity.box) }
        wraps.append(Wrap(key: visitor.key, to: KeyID(visitor.identity.signing.publicKey).bytes, recipientKey: visitor.identity.box.publicKey,
                          from: visitor.identity.box))
        let opened = try Event(kind: .conversationOpened, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                               content: ConversationOpened(visitorBoxKey: visitor.identity.box.publicKey, wraps: wraps).content,
                               signer: visitor.identity.signing)
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

    /// As `netreach inbox` shows it: the first 8 hex digits.
    var shortID: String { String(Hex.encode(identity.conversation.bytes).prefix(8)) }
}
