import ArgumentParser
import ChildProcess
import EventLog
import Foundation
import NetreachCommandLine
import Sodium

extension SoakCommand {
    /// Kills a writing child at random moments and checks that nothing acknowledged was lost.
    struct Crash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SIGKILL an appending process at random times; check every acknowledged event survives.",
            discussion: """
                Each cycle starts `crash-child` (64 concurrent writers), kills it with SIGKILL after a random
                30–300 ms, reopens the log and checks that every event the child was told is durable is
                present, intact, at the position it was given, exactly once, and that the chain verifies.
                A fresh log is started every --cycles-per-log cycles so reopening stays fast.

                Example:
                  netreach-soak crash --cycles 1000 --work-dir /tmp/netreach-crash
                """
        )

        @Option(help: "How many kill-and-recover cycles.") var cycles = 100
        @Option(help: "Scratch directory (emptied first).") var workDir: String
        @Option var writers = 64
        @Option var cyclesPerLog = 25
        @Option(help: "Seed for the kill times, to repeat a run.") var seed: UInt64 = UInt64.random(in: 1...UInt64.max)

        func validate() throws {
            guard cycles > 0, writers > 0, cyclesPerLog > 0 else { throw ValidationError("counts must be positive") }
            guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        }

        func run() async throws {
            try? FileManager.default.removeItem(atPath: workDir)
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            var generator = SeededGenerator(seed: seed)
            var tally = Tally()
            print("crash soak: \(cycles) cycles, \(writers) writers, seed \(seed)")
            var logNumber = 0
            var checker = LogChecker(directory: "")
            for cycle in 1...cycles {
                if (cycle - 1) % cyclesPerLog == 0 {
                    logNumber += 1
                    checker = LogChecker(directory: workDir + "/log-\(logNumber)")
                }
                let milliseconds = Int.random(in: 30...300, using: &generator)
                let acked = try runChild(me, directory: checker.directory, killAfter: milliseconds)
                let lost = try await checker.check(acked: acked)
                tally.cycles += 1
                tally.acked += acked.count
                tally.lost += lost.count
                tally.tornBytes += checker.lastReport.tornBytesCut
                for missing in lost.prefix(5) { printToStandardError("LOST: \(missing)") }
                if cycle % cyclesPerLog == 0 || cycle == cycles {
                    let verification = try LogVerifier.verify(directory: checker.directory)
                    guard verification.head.count == checker.count else {
                        throw ValidationError("verify saw \(verification.head.count) events, the store \(checker.count)")
                    }
                    try? FileManager.default.removeItem(atPath: checker.directory)
                }
                if cycle % 50 == 0 { print("  \(cycle) cycles, \(tally.acked) acked events, \(tally.lost) lost") }
            }
            print("\(tally.cycles) cycles, \(tally.acked) acked events, \(tally.lost) lost (torn tail bytes cut: \(tally.tornBytes))")
            try? FileManager.default.removeItem(atPath: workDir)
            if tally.lost > 0 { throw ExitCode.failure }
        }

        private func runChild(_ executable: URL, directory: String, killAfter milliseconds: Int) throws -> [(EventID, UInt64)] {
            // The child writes its acknowledgements to a file, which the kill cannot block or lose.
            let child = try ChildProcess(executable.path, ["crash-child", "--data-dir", directory, "--writers", "\(writers)"])
            usleep(useconds_t(milliseconds * 1000))
            child.send(SIGKILL)
            guard child.waitBlocking(timeout: .seconds(30)) != nil else { throw ValidationError("a killed child did not end") }
            let text = child.output
            // Only whole lines count: a line cut by the kill is an acknowledgement we cannot read.
            return text.split(separator: "\n", omittingEmptySubsequences: true).dropLast(text.hasSuffix("\n") ? 0 : 1)
                .compactMap { line in
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let position = UInt64(parts[1]),
                          let bytes = try? Hex.decodeID(String(parts[0])) else { return nil }
                    return (bytes, position)
                }
        }
    }

    struct Tally { var cycles = 0, acked = 0, lost = 0, tornBytes = 0 }
}

/// Reopens the log after each kill and checks the events acknowledged in that cycle.
struct LogChecker {
    let directory: String
    var count: UInt64 = 0
    var ids: [EventID: UInt64] = [:]
    var lastReport = RecoveryReport()

    init(directory: String) { self.directory = directory }

    /// Returns descriptions of acknowledged events that are missing or misplaced.
    mutating func check(acked: [(EventID, UInt64)]) async throws -> [String] {
        let store = try FileEventStore(directory: directory)
        lastReport = store.recoveryReport
        let head = try await store.head()
        var position = count
        // Events stored before this cycle must all still be there, unchanged in number.
        guard head.count >= count else {
            await store.close()
            return ["the log shrank from \(count) to \(head.count) events"]
        }
        while position < head.count {
            let events = try await store.read(from: position, maxCount: 4096)
            for event in events {
                guard event.position == position else {
                    await store.close()
                    return ["position \(position) read back as \(event.position)"]
                }
                if let earlier = ids.updateValue(event.position, forKey: event.id) {
                    await store.close()
                    return ["event \(event.id) stored twice, at \(earlier) and \(event.position)"]
                }
                position += 1
            }
        }
        count = head.count
        await store.close()
        return acked.compactMap { id, position in
            ids[id] == position ? nil : "event \(id) acknowledged at \(position), found at \(ids[id].map(String.init) ?? "nowhere")"
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing run can be repeated with its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Hex {
    static func decodeID(_ text: String) throws -> EventID {
        try EventID(Hex.decode(text))
    }
}
