import ArgumentParser
import ChildProcess
import EventLog
import EventLogPostgres
import Foundation
import Logging
import NetreachClient
import NetreachCommandLine
import NetreachCore
import PostgresTestSupport
import Sodium
import Synchronization

extension SoakCommand {
    /// Kills the PostgreSQL primary under two relays again and again, with visitors and a staff member
    /// talking through both, and checks that nothing acknowledged was lost, doubled or reordered
    /// (docs/RELIABILITY.md, "Failover").
    struct Failover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "failover",
            abstract: "Kill the database's primary under two relays and promote its synchronous standby, many times; check every acknowledged message.",
            discussion: """
                A PostgreSQL 15 primary with a synchronous standby on loopback (run as the postgres user), and two
                `netreach-relay serve --store postgresql://…@PRIMARY,STANDBY/…` processes on one demo deployment.
                Visitors, half on each relay, send messages one after another, each waiting for its acknowledgement; a
                staff member on the second relay follows the whole log. Each cycle, after a random 0.3–1.5 s of traffic,
                the primary is stopped at once (as pg_ctl -m immediate), the standby promoted, its
                synchronous_standby_names cleared, and the old primary rebuilt as the new one's synchronous standby.
                The relays find the new primary by themselves. A visitor whose message was answered `unavailable`
                sends the same event again. At the end: every acknowledged message is in the log exactly once, in the
                order sent; the staff member received each exactly once; and the log's chain verifies.

                Example:
                  netreach-soak failover --cycles 20 --work-dir /tmp/netreach-failover
                """
        )

        @Option(help: "How many failovers.") var cycles = 20
        @Option(help: "Visitors talking at once.") var visitors = 8
        @Option(help: "Scratch directory (emptied first).") var workDir: String
        @Option(help: "Seed for the kill times, to repeat a run.") var seed: UInt64 = UInt64.random(in: 1...UInt64.max)

        func validate() throws {
            guard cycles > 0, (2...200).contains(visitors) else { throw ValidationError("--cycles > 0 and --visitors 2…200") }
            guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        }

        func run() async throws {
            let (relayBinary, deployment, staff, keyring) = try await SoakDeployment.make(workDir: workDir)
            var generator = SeededGenerator(seed: seed)

            // fsync on: the drill is about what a machine's death costs.
            let pair = try await ReplicatedTestDatabase.start(durable: true, database: "netreach", under: workDir)
            var relays: [RelayProcess] = []
            do {
                for _ in 0..<2 { relays.append(try await RelayProcess.start(relayBinary, directory: deployment, port: nil, store: pair.address, logLevel: "notice")) }
                print("failover soak: \(cycles) failovers, \(visitors) visitors over 2 relays, seed \(seed), store \(pair.address)")
                let urls = relays.map { "ws://127.0.0.1:\($0.port)/v1/ws" }
                let talkers = (0..<visitors).map { _ in Talker(keyring: keyring) }
                let follower = Follower(staff: staff.signing)
                var outages: [Duration] = []
                let clock = ContinuousClock()
                for cycle in 1...cycles {
                    try await follower.connect(urls[1])
                    let stop = StopFlag()
                    let sending = Task {
                        await withTaskGroup(of: Void.self) { group in
                            for (k, talker) in talkers.enumerated() {
                                group.addTask {
                                    // Reconnects after a refusal (`unavailable` while the database changes hands), until told to stop.
                                    while !stop.isSet {
                                        await talker.talk(url: urls[k % 2], until: { stop.isSet })
                                        try? await Task.sleep(for: .milliseconds(100))
                                    }
                                }
                            }
                        }
                    }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &generator)))
                    let started = clock.now
                    try await pair.promoteStandby()
                    let before = talkers.reduce(0) { $0 + $1.ackedCount }
                    // The outage: from the kill until a relay stores something on the new primary.
                    while talkers.reduce(0, { $0 + $1.ackedCount }) == before, clock.now - started < .seconds(120) {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    outages.append(clock.now - started)
                    // Traffic goes on while the old primary is rebuilt as the new one's synchronous standby.
                    try await pair.rebuildStandby()
                    stop.set()
                    await sending.value
                    await follower.disconnect()
                    print("  failover \(cycle): primary now 127.0.0.1:\(pair.primary.port); acknowledged \(talkers.reduce(0) { $0 + $1.ackedCount }); "
                          + "first acknowledgement after the kill \(Self.milliseconds(outages[outages.count - 1])) ms")
                }
                // A last round without a fault: every pending message goes out, and the staff member catches up.
                for (k, talker) in talkers.enumerated() { await talker.finish(url: urls[k % 2]) }
                try await follower.connect(urls[1])
                _ = await follower.waitFor(Set(talkers.flatMap(\.acked)), timeout: .seconds(60))
                await follower.disconnect()
                for relay in relays {
                    relay.process.send(SIGTERM)
                    _ = relay.process.waitBlocking(timeout: .seconds(60))
                }
                let verdict = try await Self.check(pair: pair, talkers: talkers, follower: follower)
                let sorted = outages.sorted()
                print("\(cycles) failovers, \(verdict.acked) acknowledged, \(verdict.lost) lost; \(verdict.summary); "
                      + "kill to first acknowledgement: median \(Self.milliseconds(sorted[sorted.count / 2])) ms, "
                      + "worst \(Self.milliseconds(sorted[sorted.count - 1])) ms")
                await pair.stop()
                if verdict.failed || !verdict.stopCheckpoints {
                    if !verdict.stopCheckpoints { print("the relays' last checkpoints (signed as each stopped) are not the log's last two records") }
                    for relay in relays { print(relay.process.output.suffix(4000), relay.process.errors.suffix(4000)) }
                    throw ExitCode.failure
                }
                try? FileManager.default.removeItem(atPath: workDir)
            } catch {
                for relay in relays { await relay.process.killGroup() }
                await pair.stop()
                throw error
            }
        }

        static func milliseconds(_ duration: Duration) -> Int {
            Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }

        /// Reads the log in the database and compares it with what each client was told and saw.
        static func check(pair: ReplicatedTestDatabase, talkers: [Talker], follower: Follower) async throws -> RelayCrash.Verdict {
            var logger = Logger(label: "failover-check")
            logger.logLevel = .critical
            let store = try await PostgresEventStore.open(configurations: pair.configurations, timeout: .seconds(120), create: false,
                                                          logger: logger)
            defer { Task { await store.close() } }
            _ = try await StoreVerifier.verify(store)
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
            var verdict = RelayCrash.Verdict.compare(stored: stored, talkers: talkers, follower: follower)
            // Each relay signs a checkpoint as it stops, on whichever host is the primary by then.
            let last = try await store.readBackward(from: head.count - 1, maxCount: 2)
            verdict.stopCheckpoints = last.count == 2 && last.allSatisfy { $0.type.value == "checkpoint.signed" }
            return verdict
        }
    }
}

/// Tells tasks to stop at their next turn.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
