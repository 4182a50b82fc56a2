import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine
import Sodium

/// `netreach-bench eventlog`: durable appends against SQLite, replay, and reopen.
struct EventLogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventlog",
        abstract: "Durable appends/s (1 and 64 appenders) against SQLite WAL+FULL, replay events/s, reopen time.",
        discussion: """
            Every figure comes from this run, on the disk under --work-dir.

            Example:
              netreach-bench eventlog --work-dir /var/tmp/netreach-bench --reopen-events 10000000
            """
    )

    @Option(help: "Scratch directory on the disk to measure (emptied first, removed after).") var workDir: String
    @Option(help: "Seconds each append measurement runs.") var seconds = 3.0
    @Option(help: "Events in the log that is replayed and reopened.") var reopenEvents = 1_000_000
    @Option(help: "Payload size in bytes.") var payloadBytes = 256
    @Option(help: "Write the figures to this JSON file.") var json: String?

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard seconds > 0, reopenEvents > 0, (0...65_536).contains(payloadBytes) else {
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

        report("appends_per_s_1", try await logAppends(writers: 1, payload: payload, directory: workDir + "/log-1"),
               "durable appends/s, 1 appender")
        report("appends_per_s_64", try await logAppends(writers: 64, payload: payload, directory: workDir + "/log-64"),
               "durable appends/s, 64 appenders")
        let sqlite = try SQLiteBaseline(path: workDir + "/sqlite-64.db")
        print("  SQLite: \(sqlite.settings)")
        report("sqlite_appends_per_s_1", try sqliteAppends(writers: 1, payload: payload, path: workDir + "/sqlite-1.db"),
               "SQLite appends/s, 1 appender")
        report("sqlite_appends_per_s_64", try sqliteAppends(writers: 64, payload: payload, path: workDir + "/sqlite-64.db"),
               "SQLite appends/s, 64 appenders")
        report("ratio_vs_sqlite_64", figures["appends_per_s_64"]! / figures["sqlite_appends_per_s_64"]!,
               "ratio, 64 appenders (log / SQLite)")

        let (replay, reopen, reopenedEvents, snapshot) = try await replayAndReopen(payload: payload, directory: workDir + "/log-big")
        report("replay_events_per_s", replay, "replay events/s (whole log, \(reopenEvents) events)")
        report("reopen_seconds", reopen, "reopen seconds")
        report("reopen_events", Double(reopenedEvents), "events in the reopened log")
        report("reopen_snapshot_events", Double(snapshot), "of which covered by the index snapshot")

        if let json {
            let url = URL(fileURLWithPath: json)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var document: [String: Any] = figures
            document["payload_bytes"] = payloadBytes
            document["cores"] = ProcessInfo.processInfo.activeProcessorCount
            document["measured_at"] = ISO8601DateFormatter().string(from: Date())
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
            print("wrote \(json)")
        }
    }

    /// Appends per second with `writers` concurrent appenders, each waiting for its acknowledgement.
    private func logAppends(writers: Int, payload: [UInt8], directory: String) async throws -> Double {
        let store = try FileEventStore(directory: directory)
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
        let elapsed = ContinuousClock.now - start
        let statistics = store.statistics
        await store.close()
        print("    (\(writers) appender\(writers == 1 ? "" : "s"): \(statistics.groupCommits) flushes, "
            + String(format: "%.1f", Double(statistics.events) / Double(max(1, statistics.groupCommits))) + " events per flush)")
        return Double(total) / elapsed.seconds
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

    /// Builds a log of `reopenEvents` events, closes it, times a reopen, then replays it all.
    private func replayAndReopen(payload: [UInt8], directory: String) async throws -> (Double, Double, UInt64, UInt64) {
        let store = try FileEventStore(directory: directory)
        let batch = 1000
        var written = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            let writers = 4
            for writer in 0..<writers {
                group.addTask {
                    let stream = try StreamName("fill-\(writer)")
                    var mine = writer * batch
                    while mine < reopenEvents {
                        let size = min(batch, reopenEvents - mine)
                        let events = (0..<size).map { _ in ProposedEvent(type: "bench.event", timeMilliseconds: 0, payload: payload) }
                        _ = try await store.append(to: stream, expectedVersion: .any, events: events)
                        mine += writers * batch
                    }
                }
            }
            try await group.waitForAll()
        }
        written = Int(store.currentHead().count)
        await store.close()

        let reopenStart = ContinuousClock.now
        let reopened = try FileEventStore(directory: directory)
        let reopenSeconds = (ContinuousClock.now - reopenStart).seconds
        let count = reopened.currentHead().count
        let snapshot = reopened.recoveryReport.snapshotEvents ?? 0
        precondition(count == UInt64(written), "the reopened log has \(count) events, \(written) were written")

        let replayStart = ContinuousClock.now
        var position: UInt64 = 0
        var bytes = 0
        while position < count {
            let events = try await reopened.read(from: position, maxCount: 4096)
            for event in events { bytes &+= event.payload.count }
            position += UInt64(events.count)
        }
        let replaySeconds = (ContinuousClock.now - replayStart).seconds
        precondition(bytes == written * payload.count, "replay returned \(bytes) payload bytes")
        await reopened.close()
        return (Double(count) / replaySeconds, reopenSeconds, count, snapshot)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
