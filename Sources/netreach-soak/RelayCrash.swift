import ArgumentParser
import ChildProcess
import EventLog
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium
import Synchronization

extension SoakCommand {
    /// Kills a real relay with SIGKILL while visitors and a staff member talk through it, again and
    /// again, and checks that nothing acknowledged was lost, doubled or reordered (docs/RELIABILITY.md).
    struct RelayCrash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "relay-crash",
            abstract: "SIGKILL a relay mid-conversation and restart it, many times; check every acknowledged message.",
            discussion: """
                A `netreach-relay serve` process on a demo deployment; --visitors visitors each open a conversation and
                send messages one after another, each waiting for its acknowledgement; a staff member follows the whole
                log. After a random 100–600 ms the relay is killed with SIGKILL and started again on the same data; the
                clients reconnect by themselves, a visitor sends again the message it had no acknowledgement for (the
                same event: the relay stores it once), and the staff member resubscribes from the last position it saw
                plus one. At the end: every acknowledged message is in the log exactly once, in the order sent; the
                staff member received each exactly once; and the log's chain verifies.

                Example:
                  netreach-soak relay-crash --cycles 200 --work-dir /tmp/netreach-relay-crash
                """
        )

        @Option(help: "How many kill-and-restart cycles.") var cycles = 50
        @Option(help: "Visitors talking at once.") var visitors = 8
        @Option(help: "Scratch directory (emptied first).") var workDir: String
        @Option(help: "Seed for the kill times, to repeat a run.") var seed: UInt64 = UInt64.random(in: 1...UInt64.max)

        func validate() throws {
            guard cycles > 0, (1...200).contains(visitors) else { throw ValidationError("--cycles > 0 and --visitors 1…200") }
            guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        }

        func run() async throws {
            let (relayBinary, deployment, staff, keyring) = try await SoakDeployment.make(workDir: workDir)
            var generator = SeededGenerator(seed: seed)
            var relay = try await RelayProcess.start(relayBinary, directory: deployment, port: nil)
            print("relay crash soak: \(cycles) cycles, \(visitors) visitors, seed \(seed), port \(relay.port)")

            let talkers = (0..<visitors).map { _ in Talker(keyring: keyring) }
            let follower = Follower(staff: staff.signing)
            for cycle in 1...cycles {
                let url = "ws://127.0.0.1:\(relay.port)/v1/ws"
                try await follower.connect(url)
                let sending = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for talker in talkers { group.addTask { await talker.talk(url: url) } }
                    }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...600, using: &generator)))
                relay.process.send(SIGKILL)
                guard relay.process.waitBlocking(timeout: .seconds(30)) != nil else { throw ValidationError("the killed relay did not end") }
                await sending.value
                await follower.disconnect()
                relay = try await RelayProcess.start(relayBinary, directory: deployment, port: relay.port)
                if cycle % 25 == 0 { print("  \(cycle) cycles, \(talkers.reduce(0) { $0 + $1.ackedCount }) acknowledged") }
            }
            // A last round without a kill: every pending message goes out, and the staff member catches up.
            let url = "ws://127.0.0.1:\(relay.port)/v1/ws"
            for talker in talkers { await talker.finish(url: url) }
            try await follower.connect(url)
            let expected = Set(talkers.flatMap(\.acked))
            // Waits for the staff member to catch up; what is still missing after that is counted by `check`.
            _ = await follower.waitFor(expected, timeout: .seconds(60))
            await follower.disconnect()
            relay.process.send(SIGTERM)
            _ = relay.process.waitBlocking(timeout: .seconds(60))

            let verdict = try await Self.check(directory: deployment + "/data", talkers: talkers, follower: follower)
            print(verdict.summary)
            if verdict.failed { throw ExitCode.failure }
            try? FileManager.default.removeItem(atPath: workDir)
        }

        struct Verdict {
            var acked = 0, lost = 0, doubled = 0, misordered = 0, staffMissed = 0, staffDoubled = 0, cycles = 0
            /// (failover) The log ends with the checkpoints the relays signed as they stopped.
            var stopCheckpoints = true
            var failed: Bool { lost + doubled + misordered + staffMissed + staffDoubled > 0 }
            var summary: String {
                "\(acked) acknowledged messages: \(lost) lost, \(doubled) stored twice, \(misordered) conversations out of order; "
                    + "staff missed \(staffMissed), received twice \(staffDoubled); the chain verifies"
            }
        }

        /// Reads the log as the relay left it and compares it with what each client was told and saw.
        static func check(directory: String, talkers: [Talker], follower: Follower) async throws -> Verdict {
            _ = try LogVerifier.verify(directory: directory)
            let store = try FileEventStore(directory: directory)
            var stored: [ConversationID: [[UInt8]]] = [:]
            var position: UInt64 = 0
            let head = try await store.head()
            while position < head.count {
                let batch = try await store.read(from: position, maxCount: 4096)
                for record in batch where record.type.value == EventKind.messagePosted.name {
                    let event = try Event(bytes: record.payload)
                    stored[event.conversation, default: []].append(event.id)
                }
                position = (batch.last?.position ?? position) + 1
            }
            await store.close()
            return Verdict.compare(stored: stored, talkers: talkers, follower: follower)
        }
    }
}

extension SoakCommand.RelayCrash.Verdict {
    /// What the log holds (message ids by conversation, in log order) against what each visitor was
    /// acknowledged and what the staff member received.
    static func compare(stored: [ConversationID: [[UInt8]]], talkers: [Talker], follower: Follower) -> Self {
        var verdict = Self()
        for talker in talkers {
            let acked = talker.acked
            let held = stored[talker.identity.conversation] ?? []
            verdict.acked += acked.count
            verdict.lost += Set(acked).subtracting(held).count
            verdict.doubled += held.count - Set(held).count
            if held.filter(Set(acked).contains) != acked { verdict.misordered += 1 }
        }
        let seen = follower.seen
        let all = stored.values.flatMap { $0 }
        verdict.staffMissed = Set(all).subtracting(seen).count
        verdict.staffDoubled = seen.count - Set(seen).count
        return verdict
    }
}

/// A demo deployment for a campaign: the relay binary beside this one, the deployment folder in
/// `workDir` (emptied first), the demo worker's credentials and the keyring.
enum SoakDeployment {
    static func make(workDir: String) async throws -> (relayBinary: String, deployment: String, staff: StaffCredentials, keyring: Keyring) {
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let relayBinary = bin.appendingPathComponent("netreach-relay").path
        guard FileManager.default.isExecutableFile(atPath: relayBinary) else {
            throw ValidationError("build netreach-relay next to netreach-soak first")
        }
        let deployment = workDir + "/deployment"
        let made = try await ChildProcess.run(relayBinary, ["demo-deployment", "--dir", deployment], timeout: .seconds(120))
        guard made.status == 0 else { throw ValidationError("demo-deployment failed: \(made.errors)") }
        let passphrase = try String(contentsOfFile: deployment + "/private/demo.passphrase", encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        let staff = try StaffCredentials.load(home: try NetreachHome(path: deployment + "/private/home-sam"), name: "sam",
                                              passphrase: SecureBytes(copying: Array(passphrase.utf8)))
        return (relayBinary, deployment, staff, try Keyring.load(directory: deployment + "/Keys"))
    }
}

/// The relay as a child process on a fixed port.
struct RelayProcess {
    let process: ChildProcess
    let port: Int

    /// Starts the relay; with no port, on a free one outside the ephemeral range (it must come back on the same one).
    /// `store`: a PostgreSQL address for the log instead of the deployment's data directory.
    static func start(_ binary: String, directory: String, port: Int?, store: String? = nil, logLevel: String = "error") async throws -> RelayProcess {
        var problem = ""
        for attempt in 0..<40 {
            let candidate = port ?? Int.random(in: 20_000..<32_000)
            let process = try ChildProcess(binary, [
                "serve"] + (store.map { ["--store", $0] } ?? ["--data-dir", directory + "/data"]) + ["--keys", directory + "/Keys", "--relay-key", directory + "/private/relay.key",
                "--passphrase-file", directory + "/private/demo.passphrase", "--port", String(candidate), "--pow-bits", "0",
                "--opens-per-address-per-hour", "0", "--log-level", logLevel,
            ])
            if await process.waitForOutputLine(containing: "listening on", timeout: .seconds(60)) != nil {
                return RelayProcess(process: process, port: candidate)
            }
            await process.killGroup()
            problem = process.errors.trimmingCharacters(in: .whitespacesAndNewlines)
            // A relay that refuses its configuration will not change its mind: say why at once.
            if problem.contains("serve:") { break }
            if port != nil { try await Task.sleep(for: .milliseconds(250 * (attempt + 1))) }
        }
        throw ValidationError("the relay could not start: \(problem.suffix(500))")
    }
}

/// One visitor: opens its conversation once, then sends messages one at a time, each waiting for its
/// acknowledgement. A message without one stays pending and is sent again, the same event, next time.
final class Talker: Sendable {
    let identity = VisitorIdentity(phrase: .generate())
    private let key = SecretBox.generateKey()
    private let keyring: Keyring
    private struct State { var opened = false; var acked: [[UInt8]] = []; var pending: Event? }
    private let state = Mutex(State())

    init(keyring: Keyring) { self.keyring = keyring }

    var acked: [[UInt8]] { state.withLock { $0.acked } }
    var ackedCount: Int { state.withLock { $0.acked.count } }

    /// Talks until the connection goes (the relay is killed) or a message is refused, or `stop` says so.
    func talk(url: String, until stop: @Sendable () -> Bool = { false }) async {
        guard let connection = await connect(url) else { return }
        while !stop(), await send(on: connection) {}
        await connection.close()
    }

    /// Delivers the pending message, if any, on a relay that stays up.
    func finish(url: String) async {
        for _ in 0..<10 where state.withLock({ $0.pending != nil || !$0.opened }) {
            if let connection = await connect(url) {
                if state.withLock({ $0.pending != nil }) { _ = await send(on: connection) }
                await connection.close()
            }
        }
    }

    private func connect(_ url: String) async -> RelayConnection? {
        guard let connection = try? await RelayConnection(url: url, helloTimeout: .seconds(30)),
              await connection.authenticate(identity.signing, role: .visitor)?.message.type == "ready" else { return nil }
        if !state.withLock({ $0.opened }) {
            guard let opening = try? Event.opening(identity: identity, conversationKey: key, keyring: keyring) else { return nil }
            let answer = await connection.open(opening)
            // Opened now, or by the attempt the kill interrupted.
            let exists = if case .error(_, let error)? = answer?.message { error.code == .conversationExists } else { false }
            guard answer?.message.type == "ack" || exists else {
                await connection.close()
                return nil
            }
            state.withLock { $0.opened = true }
        }
        return connection
    }

    /// Sends the pending message or a new one; true when it was acknowledged.
    private func send(on connection: RelayConnection) async -> Bool {
        let event: Event
        if let pending = state.withLock({ $0.pending }) {
            event = pending
        } else {
            guard let made = try? Event(kind: .messagePosted, conversation: identity.conversation, clientTimeMilliseconds: 0,
                                        content: SealedText.seal("message \(ackedCount + 1)", key: key), signer: identity.signing)
            else { return false }
            event = made
            state.withLock { $0.pending = made }
        }
        guard await connection.append(event, rid: Hex.encode(event.id))?.message.type == "ack" else { return false }
        state.withLock {
            $0.acked.append(event.id)
            $0.pending = nil
        }
        return true
    }
}

/// The staff member following the whole log, resubscribing after each restart from the last position seen plus one.
final class Follower: Sendable {
    private let staff: SigningKeyPair
    private struct State { var next: UInt64 = 0; var seen: [[UInt8]] = []; var reader: Task<Void, Never>?; var connection: RelayConnection? }
    private let state = Mutex(State())

    init(staff: SigningKeyPair) { self.staff = staff }

    var seen: [[UInt8]] { state.withLock { $0.seen } }

    func connect(_ url: String) async throws {
        let connection = try await RelayConnection(url: url, helloTimeout: .seconds(30))
        guard await connection.authenticate(staff, role: .staff)?.message.type == "ready" else {
            throw ValidationError("the staff member could not authenticate")
        }
        connection.send(["t": "subscribe", "from": Int(state.withLock { $0.next })])
        let reader = Task { [self] in
            while !(await connection.isClosed) && !Task.isCancelled {
                guard case .event(let position, _, _, _, let bytes)? = await connection.next("event", timeout: .milliseconds(500))?.message,
                      let event = try? Event(bytes: bytes) else { continue }
                self.state.withLock { state in
                    guard position >= state.next else { return }
                    state.next = position + 1
                    if event.kind == .messagePosted { state.seen.append(event.id) }
                }
            }
        }
        state.withLock {
            $0.reader = reader
            $0.connection = connection
        }
    }

    func disconnect() async {
        let (reader, connection) = state.withLock { state in
            defer { state.reader = nil; state.connection = nil }
            return (state.reader, state.connection)
        }
        if let reader {
            reader.cancel()
            await reader.value
        }
        if let connection { await connection.close() }
    }

    /// Waits until every id in `expected` was received.
    func waitFor(_ expected: Set<[UInt8]>, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if expected.isSubset(of: Set(seen)) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return expected.isSubset(of: Set(seen))
    }
}
