import ArgumentParser
import ChildProcess
import EventLog
import Foundation
import NetreachCommandLine
import Sodium

/// `netreach-bench eventlog`: durable appends against SQLite, replay, and reopen.
struct EventLogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventlog",
        abstract: "Durable appends/s (1 and 64 appenders) against SQLite WAL+FULL, replay events/s, reopen time, restart after SIGKILL.",
        discussion: """
            Every figure comes from this run, on the disk under --work-dir.

            Example:
              netreach-bench eventlog --work-dir /var/tmp/netreach-bench --reopen-events 10000000
            """
    )

    @Option(help: "Scratch directory on the disk to measure (emptied first, removed after).") var workDir: String
    @Option(help: "Seconds each append measurement runs.") var seconds = 3.0
    @Option(help: "Runs of each append measurement; the median is reported.") var repeats = 3
    @Option(help: "Events in the log that is replayed and reopened.") var reopenEvents = 1_000_000
    @Option(help: "Payload size in bytes.") var payloadBytes = 256
    @Option(help: "Write the figures to this JSON file.") var json: String?

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard seconds > 0, reopenEvents > 0, repeats > 0, (0...65_536).contains(payloadBytes) else {
            throw ValidationError("--seconds and --reopen-events must be positive; --payload-bytes 0…65536")
        }
    }

    func run() async throws {
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        let payload = Random.bytes(count: payloadBytes)
        var figures: [String: Double] = [:]
        func report(_ key: String, _ value: Double, _ label: String) {
            figures[key] = value
            let padded = label.count < 48 ? label + String(repeating: " ", count: 48 - label.count) : label
            print("  " + padded + String(format: "%14.1f", value))
        }
        print("event log benchmark: \(payloadBytes)-byte payloads, \(seconds) s per append run, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        print("  SQLite: \(try SQLiteBaseline(path: workDir + "/settings.db").settings)")
        var runs: [String: [Double]] = [:]
        // Interleaved, so that a slow spell of the disk affects both sides alike.
        for run in 1...repeats {
            runs["appends_per_s_1", default: []].append(
                try await logAppends(writers: 1, payload: payload, directory: workDir + "/log-1-\(run)"))
            runs["sqlite_appends_per_s_1", default: []].append(
                try sqliteAppends(writers: 1, payload: payload, path: workDir + "/sqlite-1-\(run).db"))
            runs["appends_per_s_64", default: []].append(
                try await logAppends(writers: 64, payload: payload, directory: workDir + "/log-64-\(run)"))
            runs["sqlite_appends_per_s_64", default: []].append(
                try sqliteAppends(writers: 64, payload: payload, path: workDir + "/sqlite-64-\(run).db"))
        }
        func median(_ key: String) -> Double {
            let sorted = runs[key]!.sorted()
            return sorted[sorted.count / 2]
        }
        for key in runs.keys.sorted() {
            print("    \(key) runs: " + runs[key]!.map { String(format: "%.0f", $0) }.joined(separator: ", "))
        }
        report("appends_per_s_1", median("appends_per_s_1"), "durable appends/s, 1 appender (median)")
        report("appends_per_s_64", median("appends_per_s_64"), "durable appends/s, 64 appenders (median)")
        report("sqlite_appends_per_s_1", median("sqlite_appends_per_s_1"), "SQLite appends/s, 1 appender (median)")
        report("sqlite_appends_per_s_64", median("sqlite_appends_per_s_64"), "SQLite appends/s, 64 appenders (median)")
        report("ratio_vs_sqlite_64", figures["appends_per_s_64"]! / figures["sqlite_appends_per_s_64"]!,
               "ratio, 64 appenders (log / SQLite)")

        let big = try await replayAndReopen(payload: payload, directory: workDir + "/log-big")
        report("fill_appends_per_s", big.fillPerSecond, "durable events/s building it (4 × 1000-event batches)")
        report("crash_restart_seconds", big.crashRestartSeconds, "open after SIGKILL, seconds (\(reopenEvents) events)")
        report("crash_snapshot_events", Double(big.crashSnapshotEvents), "of which covered by a background snapshot")
        report("crash_records_scanned", Double(big.crashRecordsScanned), "records the open after SIGKILL scanned")
        report("crash_check_seconds", big.crashCheckSeconds, "background check after it, seconds")
        report("reopen_seconds", big.reopenSeconds, "reopen seconds after close (\(reopenEvents) events)")
        report("ratio_crash_vs_clean", big.crashRestartSeconds / big.reopenSeconds, "ratio, open after SIGKILL / after close")
        report("reopen_events", Double(big.events), "events in the reopened log")
        report("reopen_snapshot_events", Double(big.snapshotEvents), "of which covered by the index snapshot")
        report("integrity_check_seconds", big.integritySeconds, "background check of the snapshot's range, seconds")
        report("replay_events_per_s", big.replayPerSecond, "replay events/s (whole log)")
        report("scan_open_seconds", big.scanOpenSeconds, "open without the snapshot (full scan), seconds")

        if let json {
            var document: [String: any Sendable] = figures
            document["payload_bytes"] = payloadBytes
            document["cores"] = ProcessInfo.processInfo.activeProcessorCount
            try writeFigures(document, to: json)
            print("wrote \(json)")
        }
    }

    /// Appends per second with `writers` concurrent appenders, each waiting for its acknowledgement.
    private func logAppends(writers: Int, payload: [UInt8], directory: String) async throws -> Double {
        let store = try FileEventStore(directory: directory)
        let rate = try await measureAppends(to: store, writers: writers, payload: payload, seconds: seconds)
        let statistics = store.statistics
        await store.close()
        print("    (\(writers) appender\(writers == 1 ? "" : "s"): \(statistics.groupCommits) flushes, "
            + String(format: "%.1f", Double(statistics.events) / Double(max(1, statistics.groupCommits))) + " events per flush, "
            + "\(statistics.snapshotLagWaits) waits for the snapshot thread)")
        return rate
    }

    private func sqliteAppends(writers: Int, payload: [UInt8], path: String) throws -> Double {
        let sqlite = try SQLiteBaseline(path: path)
        let deadline = Date().addingTimeInterval(seconds)
        let tally = Tally()
        let group = DispatchGroup()
        let start = Date()
        for writer in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                var count = 0
                var failure: (any Error)?
                do {
                    while Date() < deadline {
                        try sqlite.append(stream: "bench-\(writer)", id: Random.bytes(count: 16), payload: payload)
                        count += 1
                    }
                } catch {
                    failure = error
                }
                tally.add(count, failure: failure)
                group.leave()
            }
        }
        group.wait()
        if let failure = tally.failure { throw failure }
        return Double(tally.total) / Date().timeIntervalSince(start)
    }

    /// Counts from many threads.
    private final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var total = 0
        private(set) var failure: (any Error)?
        func add(_ count: Int, failure: (any Error)?) {
            lock.lock()
            total += count
            if let failure { self.failure = failure }
            lock.unlock()
        }
    }

    struct BigLog {
        var reopenSeconds = 0.0, integritySeconds = 0.0, replayPerSecond = 0.0, scanOpenSeconds = 0.0
        var crashRestartSeconds = 0.0, crashCheckSeconds = 0.0, fillPerSecond = 0.0
        var events: UInt64 = 0, snapshotEvents: UInt64 = 0, crashSnapshotEvents: UInt64 = 0, crashRecordsScanned: UInt64 = 0
    }

    /// Appends `events` events from 4 concurrent appenders, in batches of 1000.
    static func fill(_ store: FileEventStore, events total: Int, payload: [UInt8]) async throws {
        let batch = 1000
        try await withThrowingTaskGroup(of: Void.self) { group in
            let writers = 4
            for writer in 0..<writers {
                group.addTask {
                    let stream = try StreamName("fill-\(writer)")
                    var mine = writer * batch
                    while mine < total {
                        let size = min(batch, total - mine)
                        let events = (0..<size).map { _ in ProposedEvent(type: "bench.event", timeMilliseconds: 0, payload: payload) }
                        _ = try await store.append(to: stream, expectedVersion: .any, events: events)
                        mine += writers * batch
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Builds a log of `reopenEvents` events in a child process and kills it with SIGKILL once every
    /// event is acknowledged (no close, so no close-time snapshot: only the writer's background
    /// snapshots), times the open after that crash, closes, then times a reopen (with the close-time
    /// snapshot), waits for the background check, replays it all, and times an open that scans everything.
    private func replayAndReopen(payload: [UInt8], directory: String) async throws -> BigLog {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let fillStart = ContinuousClock.now
        let child = try ChildProcess(me, ["eventlog-fill", "--data-dir", directory, "--events", "\(reopenEvents)",
                                          "--payload-bytes", "\(payloadBytes)"])
        guard let line = await child.waitForOutputLine(containing: "filled", timeout: .seconds(3600)),
              let written = line.split(separator: " ").last.flatMap({ UInt64($0) }) else {
            await child.killGroup()
            throw BenchError("the process filling the log ended without filling it: \(child.errors)")
        }
        await child.killGroup()
        guard child.termination == .signalled(SIGKILL) else { throw BenchError("the filling process was not killed: \(String(describing: child.termination))") }
        var result = BigLog()
        result.fillPerSecond = Double(written) / (ContinuousClock.now - fillStart).seconds

        let crashStart = ContinuousClock.now
        let crashed = try FileEventStore(directory: directory)
        result.crashRestartSeconds = (ContinuousClock.now - crashStart).seconds
        result.crashSnapshotEvents = crashed.recoveryReport.snapshotEvents ?? 0
        result.crashRecordsScanned = crashed.recoveryReport.recordsScanned
        guard crashed.currentHead().count == written else {
            throw BenchError("after SIGKILL the log has \(crashed.currentHead().count) events, \(written) were acknowledged")
        }
        let crashCheck = await crashed.integrityCheckResult()
        result.crashCheckSeconds = (ContinuousClock.now - crashStart).seconds - result.crashRestartSeconds
        guard crashCheck == .passed || crashCheck == .notNeeded else { throw BenchError("the integrity check failed: \(crashCheck)") }
        await crashed.close()

        var start = ContinuousClock.now
        let reopened = try FileEventStore(directory: directory)
        result.reopenSeconds = (ContinuousClock.now - start).seconds
        result.events = reopened.currentHead().count
        result.snapshotEvents = reopened.recoveryReport.snapshotEvents ?? 0
        precondition(result.events == written, "the reopened log has \(result.events) events, \(written) were written")
        let check = await reopened.integrityCheckResult()
        result.integritySeconds = (ContinuousClock.now - start).seconds - result.reopenSeconds
        guard check == .passed || check == .notNeeded else { throw BenchError("the integrity check failed: \(check)") }

        start = ContinuousClock.now
        var position: UInt64 = 0
        var bytes = 0
        while position < result.events {
            let events = try await reopened.read(from: position, maxCount: 4096)
            for event in events { bytes &+= event.payload.count }
            position += UInt64(events.count)
        }
        result.replayPerSecond = Double(result.events) / (ContinuousClock.now - start).seconds
        precondition(bytes == Int(written) * payload.count, "replay returned \(bytes) payload bytes")
        await reopened.close()

        try FileManager.default.removeItem(atPath: directory + "/index.snapshot")
        start = ContinuousClock.now
        let scanned = try FileEventStore(directory: directory)
        result.scanOpenSeconds = (ContinuousClock.now - start).seconds
        await scanned.close()
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Appends per second to `store` with `writers` concurrent appenders, each waiting for its
/// acknowledgement before the next, for `seconds`.
func measureAppends<Store: EventStore>(to store: Store, writers: Int, payload: [UInt8], seconds: Double) async throws -> Double {
    let deadline = ContinuousClock.now + .seconds(seconds)
    let start = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<writers {
            group.addTask {
                let stream = try StreamName("bench-\(writer)")
                var count = 0
                while ContinuousClock.now < deadline {
                    _ = try await store.append(to: stream, expectedVersion: .any,
                                               events: [ProposedEvent(type: "bench.event", timeMilliseconds: 0, payload: payload)])
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    return Double(total) / (ContinuousClock.now - start).seconds
}
