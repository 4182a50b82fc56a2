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

    /// A store with one event whose snapshot thread caught up with it and is then paused, so that
    /// every later append leaves the writer further ahead of it.
    static func storeAheadOfItsSnapshots(limit: Int?, wait: Duration = .milliseconds(100)) async throws -> (TemporaryDirectory, FileEventStore) {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path, configuration: .init(
            snapshotEveryEvents: 1_000_000, snapshotEveryBytes: nil, snapshotLagLimit: limit, snapshotLagWait: wait))
        _ = try await store.append(to: "s", expectedVersion: .any, events: [event("first")])
        #expect(await eventually { store.snapshotFollowerLag == 0 })
        store.pauseSnapshotFollower(true)
        return (dir, store)
    }

    @Test("the writer does not run more than snapshotLagLimit events ahead of the snapshot thread: it waits for it, never refuses an append, and never waits longer than snapshotLagWait per group")
    func lagLimit() async throws {
        func batch(_ n: Int) -> [ProposedEvent] { (0..<100).map { event("\(n).\($0)") } }
        // A short wait: appends go on at one group per wait while the thread stays behind.
        let (dir, store) = try await Self.storeAheadOfItsSnapshots(limit: 200, wait: .milliseconds(20))
        for n in 0..<10 { _ = try await store.append(to: "s", expectedVersion: .any, events: batch(n)) }
        #expect(store.currentHead().count == 1_001, "every append was taken while the thread was behind")
        // A wait after each group that left the writer more than 200 events ahead: the 3rd to the 10th.
        #expect(await Self.eventually(within: .seconds(20)) { store.statistics.snapshotLagWaits == 8 })
        store.pauseSnapshotFollower(false)
        #expect(await Self.eventually { store.snapshotFollowerLag == 0 })
        await store.close()

        // A wait no test run reaches: the writer goes on when the thread has caught up, not when the time is over.
        let (patient, waiting) = try await Self.storeAheadOfItsSnapshots(limit: 200, wait: .seconds(3600))
        for n in 0..<3 { _ = try await waiting.append(to: "s", expectedVersion: .any, events: batch(n)) }
        #expect(waiting.snapshotFollowerLag == 300)
        let fourth = Task { try await waiting.append(to: "s", expectedVersion: .any, events: batch(3)) }
        #expect(await Self.eventually(within: .seconds(20)) { waiting.pendingWriterJobs == 1 }, "the fourth append waits in the queue")
        #expect(await Self.eventually(within: .seconds(20)) { waiting.statistics.snapshotLagWaits == 1 })
        #expect(waiting.currentHead().count == 301, "the writer waits for the thread")
        waiting.pauseSnapshotFollower(false)
        #expect(try await fourth.value.lastPosition == 400)
        #expect(waiting.statistics.snapshotLagWaits == 1)
        await waiting.close()

        // Without a limit the writer never waits; a bad limit is refused.
        let (free, unlimited) = try await Self.storeAheadOfItsSnapshots(limit: nil)
        for n in 0..<5 { _ = try await unlimited.append(to: "s", expectedVersion: .any, events: batch(n)) }
        #expect(unlimited.statistics.snapshotLagWaits == 0 && unlimited.snapshotFollowerLag == 500)
        await unlimited.close()
        withExtendedLifetime((dir, patient, free)) {}  // the directories outlive their stores
        for limit in [0, -5] {
            let refused = #expect(throws: EventLogError.self) {
                _ = try FileEventStore(directory: TemporaryDirectory().path, configuration: .init(snapshotLagLimit: limit))
            }
            #expect(refused?.code == .invalidConfiguration)
        }
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

@Suite("EventLog: index deltas between snapshots")
struct SnapshotDeltaTests {
    /// Small segments, a delta every 20 events, a whole snapshot at most every 200.
    static let deltas = FileEventStoreConfiguration(segmentSize: 4096, snapshotEveryEvents: 200, snapshotEveryBytes: nil,
                                                    snapshotDeltaEveryEvents: 20, snapshotDeltaEveryBytes: nil)

    static func deltaFiles(_ dir: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("index.delta.") }.sorted()
    }

    /// 500 events on three streams, as a crash would leave them once the follower covered at least 480.
    static func crashedLog() async throws -> (TemporaryDirectory, [EventID: UInt64]) {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path, configuration: deltas)
        var acknowledged: [EventID: UInt64] = [:]
        for n in 0..<500 {
            let proposed = event("\(n)")
            acknowledged[proposed.id] = try await store.append(to: StreamName("s\(n % 3)"), expectedVersion: .any, events: [proposed]).firstPosition
        }
        #expect(await BackgroundSnapshotTests.eventually { store.statistics.snapshotEvents >= 480 })
        #expect(store.statistics.snapshotDeltasWritten >= 1)
        #expect(store.statistics.snapshotFailures == 0)
        let crashed = try BackgroundSnapshotTests.copyAsCrashed(dir)
        await store.close()
        // The close-time snapshot replaces the deltas it makes useless.
        #expect(try deltaFiles(dir).isEmpty)
        return (crashed, acknowledged)
    }

    static func expectWhole(_ reopened: FileEventStore, _ acknowledged: [EventID: UInt64]) async throws {
        let all = try await reopened.read(from: 0, maxCount: 10_000)
        #expect(Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.position) }) == acknowledged)
        #expect(try await reopened.streamVersion("s0") == 166)
        #expect(try await reopened.streamVersion("s2") == 165)
        // The id table came from the snapshot and its deltas: a repeated id is still recognised.
        let old = all[477]
        let repeated = ProposedEvent(id: old.id, type: old.type, author: old.author, timeMilliseconds: old.timeMilliseconds,
                                     metadata: old.metadata, payload: old.payload)
        let again = try await reopened.append(to: old.stream, expectedVersion: .any, events: [repeated])
        #expect(again.firstPosition == 477 && again.wasAlreadyPresent)
        #expect(await reopened.integrityCheckResult() == .passed)
    }

    @Test("an open after a crash applies the deltas after the snapshot and scans only what came after the last")
    func reopenAppliesDeltas() async throws {
        let (crashed, acknowledged) = try await Self.crashedLog()
        #expect(!(try Self.deltaFiles(crashed)).isEmpty)
        try await withStore(crashed, configuration: Self.deltas) { reopened async throws in
            let report = reopened.recoveryReport
            let covered = try #require(report.snapshotEvents)
            #expect(covered >= 480 && report.snapshotDeltas >= 1, "\(report)")
            #expect(report.recordsScanned == 500 - covered)
            try await Self.expectWhole(reopened, acknowledged)
        }
        #expect(try LogVerifier.verify(directory: crashed.path).head.count == 500)
    }

    @Test("a damaged, missing or foreign delta ends the chain of deltas there: the rest is scanned, nothing is lost")
    func badDeltas() async throws {
        let (crashed, acknowledged) = try await Self.crashedLog()
        let files = try Self.deltaFiles(crashed)
        try #require(files.count >= 2, "\(files)")
        let first = Int(files.map { $0.dropFirst("index.delta.".count) }.compactMap { Int($0) }.min()!)
        // One changed byte in the second delta: only the first is applied.
        let damaged = try BackgroundSnapshotTests.copyAsCrashed(crashed)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged.file("index.delta.\(first + 1)")))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: damaged.file("index.delta.\(first + 1)")))
        try await withStore(damaged, configuration: Self.deltas) { reopened async throws in
            #expect(reopened.recoveryReport.snapshotDeltas == 1, "\(reopened.recoveryReport)")
            try await Self.expectWhole(reopened, acknowledged)
        }
        // The first delta missing: none is applied, however many follow.
        let missing = try BackgroundSnapshotTests.copyAsCrashed(crashed)
        try FileManager.default.removeItem(atPath: missing.file("index.delta.\(first)"))
        try await withStore(missing, configuration: Self.deltas) { reopened async throws in
            #expect(reopened.recoveryReport.snapshotDeltas == 0, "\(reopened.recoveryReport)")
            try await Self.expectWhole(reopened, acknowledged)
        }
        // Deltas made over another snapshot (the one of an earlier moment) do not apply to this one.
        let foreign = try BackgroundSnapshotTests.copyAsCrashed(crashed)
        let store = try FileEventStore(directory: foreign.path, configuration: .init(snapshotEveryEvents: nil, snapshotEveryBytes: nil))
        await store.close()  // writes a whole snapshot at 500 and removes the deltas
        for name in files { try FileManager.default.copyItem(atPath: crashed.file(name), toPath: foreign.file(name)) }
        try await withStore(foreign, configuration: Self.deltas) { reopened async throws in
            #expect(reopened.recoveryReport.snapshotEvents == 500 && reopened.recoveryReport.snapshotDeltas == 0)
            try await Self.expectWhole(reopened, acknowledged)
        }
    }

    @Test("after an open that used deltas the thread writes the next ones in sequence, and a second crash loses nothing")
    func deltasContinueAfterReopen() async throws {
        let (crashed, acknowledged) = try await Self.crashedLog()
        let store = try FileEventStore(directory: crashed.path, configuration: Self.deltas)
        let before = store.recoveryReport.snapshotDeltas
        var all = acknowledged
        for n in 500..<540 {
            let proposed = event("\(n)")
            all[proposed.id] = try await store.append(to: "more", expectedVersion: .any, events: [proposed]).firstPosition
        }
        #expect(await BackgroundSnapshotTests.eventually { store.statistics.snapshotEvents >= 520 })
        let again = try BackgroundSnapshotTests.copyAsCrashed(crashed)
        await store.close()
        try await withStore(again, configuration: Self.deltas) { reopened async throws in
            let report = reopened.recoveryReport
            #expect((report.snapshotEvents ?? 0) >= 520, "\(report)")
            // Either the deltas went on from the ones the first open used, or a whole snapshot replaced them.
            #expect(report.snapshotDeltas > before || report.snapshotDeltas == 0 || report.snapshotEvents == 540, "\(report)")
            let read = try await reopened.read(from: 0, maxCount: 10_000)
            #expect(Dictionary(uniqueKeysWithValues: read.map { ($0.id, $0.position) }) == all)
            #expect(await reopened.integrityCheckResult() == .passed)
        }
    }
}

@Suite("EventLog: a closed store lets go of its files")
struct ClosedStoreFileTests {
    /// The open file descriptors of this process.
    static func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    @Test("opening and closing a log 30 times leaves no file open: the background snapshot thread does not keep the store alive")
    func noDescriptorsLeft() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir, configuration: .init(segmentSize: 4096)) { store async throws in
            for n in 0..<200 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("\(n)")]) }
        }
        // Once, so that whatever the first open sets up for the process (thread pools, caches) is there before counting.
        await (try FileEventStore(directory: dir.path)).close()
        let before = try Self.openDescriptors()
        for _ in 0..<30 {
            let store = try FileEventStore(directory: dir.path)
            #expect(store.currentHead().count == 200)
            await store.close()
        }
        // Other suites run at the same time and open files of their own: a few may come and go, but a
        // store that stayed alive would keep its segments (about 20 here) and journal open, 30 times over.
        let after = try Self.openDescriptors()
        #expect(after - before < 100, "\(before) descriptors open before, \(after) after 30 opens and closes")
    }
}
