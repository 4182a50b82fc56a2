import EventLog
import Foundation
import Testing

@Suite("EventLog: index snapshots written in the background")
struct BackgroundSnapshotTests {
    /// Small segments (so the follower crosses several) and a snapshot every 50 events.
    static let frequent = FileEventStoreConfiguration(segmentSize: 4096, snapshotEveryEvents: 50, snapshotEveryBytes: nil)

    /// Polls until `condition` holds; false if `limit` passes first. The limit only bounds a hang; nothing is timed.
    static func eventually(within limit: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    /// Copies the files of a log that is still open, as a SIGKILL or a power cut would leave them
    /// once the appends were acknowledged: no close, so no close-time snapshot.
    static func copyAsCrashed(_ source: TemporaryDirectory) throws -> TemporaryDirectory {
        let copy = TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "LOCK" {
            try FileManager.default.copyItem(atPath: source.file(name), toPath: copy.file(name))
        }
        return copy
    }

    @Test("the snapshot is written as the log grows, without a close")
    func writtenWithoutClose() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path, configuration: Self.frequent)
        for n in 0..<120 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("\(n)")]) }
        #expect(await Self.eventually { store.statistics.snapshotsWritten >= 1 })
        #expect(FileManager.default.fileExists(atPath: dir.file("index.snapshot")))
        let statistics = store.statistics
        #expect(statistics.snapshotFailures == 0)
        #expect((50...120).contains(statistics.snapshotEvents))
        await store.close()
    }

    @Test("a log left as a crash leaves it reopens from the background snapshot, scans only the rest, and has every acknowledged event")
    func reopenAfterCrash() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path, configuration: Self.frequent)
        var acknowledged: [EventID: UInt64] = [:]
        for n in 0..<300 {
            let proposed = event("\(n)")
            let result = try await store.append(to: StreamName("s\(n % 3)"), expectedVersion: .any, events: [proposed])
            acknowledged[proposed.id] = result.firstPosition
        }
        // Every snapshot is due 50 events after the last, so one covers more than 250 of the 300.
        #expect(await Self.eventually { store.statistics.snapshotEvents > 250 })
        for n in 300..<310 {
            let proposed = event("\(n)")
            acknowledged[proposed.id] = try await store.append(to: "late", expectedVersion: .any, events: [proposed]).firstPosition
        }
        let crashed = try Self.copyAsCrashed(dir)
        await store.close()

        try await withStore(crashed) { reopened async throws in
            let report = reopened.recoveryReport
            let covered = try #require(report.snapshotEvents)
            #expect(covered > 250)
            #expect(report.recordsScanned == 310 - covered)
            #expect(try await reopened.head().count == 310)
            let all = try await reopened.read(from: 0, maxCount: 1000)
            #expect(Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.position) }) == acknowledged)
            #expect(try await reopened.streamVersion("s1") == 99)
            #expect(await reopened.integrityCheckResult() == .passed)
        }
        #expect(try LogVerifier.verify(directory: crashed.path).head.count == 310)
    }

    @Test("appends go on while snapshots are written, and every one is there after a reopen")
    func appendsDuringSnapshots() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path,
                                       configuration: .init(segmentSize: 8192, snapshotEveryEvents: 20, snapshotEveryBytes: nil))
        // Appenders run until three snapshots were written while they appended (or a bound on the count).
        let counts = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var n = 0
                    while n < 3000 && store.statistics.snapshotsWritten < 3 {
                        let expected: ExpectedVersion = n == 0 ? .noStream : .exact(UInt64(n - 1))
                        _ = try await store.append(to: StreamName("w\(writer)"), expectedVersion: expected,
                                                   events: [event("\(writer)-\(n)")])
                        n += 1
                    }
                    return (writer, n)
                }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(store.statistics.snapshotsWritten >= 3)
        #expect(store.statistics.snapshotFailures == 0)
        let total = counts.values.reduce(0, +)
        #expect(store.currentHead().count == UInt64(total))
        await store.close()

        try await withStore(dir) { reopened async throws in
            for (writer, count) in counts {
                let stream = try await reopened.readStream(StreamName("w\(writer)"), fromVersion: 0, maxCount: 10_000)
                #expect(stream.map(text) == (0..<count).map { "\(writer)-\($0)" })
            }
        }
        #expect(try LogVerifier.verify(directory: dir.path).head.count == UInt64(total))
    }

    @Test("a snapshot that cannot be written is counted, and appends go on")
    func failureIsCounted() async throws {
        let dir = TemporaryDirectory()
        // A directory where the snapshot's temporary file must be created makes every write fail.
        try FileManager.default.createDirectory(atPath: dir.file("index.snapshot.tmp"), withIntermediateDirectories: false)
        let store = try FileEventStore(directory: dir.path, configuration: Self.frequent)
        for n in 0..<60 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("\(n)")]) }
        #expect(await Self.eventually { store.statistics.snapshotFailures >= 1 })
        #expect(store.statistics.snapshotsWritten == 0)
        let later = try await store.append(to: "s", expectedVersion: .exact(59), events: [event("after the failure")])
        #expect(later.firstPosition == 60)
        await store.close()
        try await withStore(dir) { reopened async throws in
            #expect(reopened.recoveryReport.snapshotEvents == nil)
            #expect(try await reopened.head().count == 61)
        }
    }
}
