import EventLog
import Foundation
import Testing

/// Three ways a full disk or an interrupted creation used to leave a log that would not open
/// (issue 21), each driven through the storage seam so that the fault happens exactly where it must.
@Suite("EventLog: full-disk defects")
struct FullDiskDefectTests {
    private static let stream: StreamName = "s"

    private func sized(_ count: Int, _ tag: String) -> ProposedEvent {
        event(tag + String(repeating: ".", count: max(0, count - tag.utf8.count)))
    }

    /// Appends A (2 900 bytes) and then B (800 bytes) to the stream so that the writer plans them in
    /// one group: it is held inside the flush of `behind` (appended to stream `t`) until both wait.
    private func plannedTogether(_ store: FileEventStore, _ disk: SimulatedSegmentStorage, behind: ProposedEvent)
        async throws -> (a: Task<AppendResult, any Error>, b: Task<AppendResult, any Error>) {
        disk.holdSyncs()
        let held = Task { try await store.append(to: "t", expectedVersion: .any, events: [behind]) }
        while disk.syncsWaiting == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let a = Task { try await store.append(to: Self.stream, expectedVersion: .any, events: [sized(2_900, "A")]) }
        while store.pendingWriterJobs < 1 { try await Task.sleep(for: .milliseconds(1)) }
        let b = Task { try await store.append(to: Self.stream, expectedVersion: .any, events: [sized(800, "B")]) }
        while store.pendingWriterJobs < 2 { try await Task.sleep(for: .milliseconds(1)) }
        disk.releaseSyncs()
        _ = try await held.value
        return (a, b)
    }

    @Test("a group refused for space just before a roll leaves no gap in a stream's versions")
    func refusedCommitBeforeRollKeepsVersions() async throws {
        let dir = TemporaryDirectory()
        // Room for the first segment's header and about 1.9 KiB of records and zeros.
        let disk = SimulatedSegmentStorage(faults: .init(capacity: 2_000))
        let store = try FileEventStore(directory: dir.path, configuration: .init(segmentSize: 4_096), storage: disk)
        _ = try await store.append(to: Self.stream, expectedVersion: .any, events: [sized(100, "e0")])
        _ = try await store.append(to: "t", expectedVersion: .any, events: [sized(80, "e1")])
        // A: too big for the space left in this segment's file, so its group is refused for space.
        // B: does not fit the segment after A, so planning it commits A's group and rolls.
        let (a, b) = try await plannedTogether(store, disk, behind: sized(40, "e2"))
        await #expect(throws: EventLogError.self) { _ = try await a.value }
        let stored = try await b.value
        #expect(stored.streamVersion == 1, "A was not stored, so B is version 1 of the stream, not \(stored.streamVersion)")
        await store.close()

        let reopened = try FileEventStore(directory: dir.path, storage: disk)
        let versions = try await reopened.readStream(Self.stream, fromVersion: 0, maxCount: 10).map(\.streamVersion)
        #expect(versions == [0, 1])
        await reopened.close()
    }

    @Test("a group refused for space in a segment that has no record yet does not roll onto that segment's own name")
    func refusedCommitInEmptySegmentDoesNotRoll() async throws {
        let dir = TemporaryDirectory()
        let disk = SimulatedSegmentStorage(faults: .init(capacity: 3_000))
        let store = try FileEventStore(directory: dir.path, configuration: .init(segmentSize: 4_096), storage: disk)
        _ = try await store.append(to: Self.stream, expectedVersion: .any, events: [sized(600, "e0")])
        // A rolls to a new segment and is planned there; its group is then refused for space.
        // B does not fit after A, so planning it commits A's group, which is refused: the new segment is still empty.
        let (a, b) = try await plannedTogether(store, disk, behind: sized(600, "e1"))
        await #expect(throws: EventLogError.self) { _ = try await a.value }
        let stored = try await b.value
        #expect(stored.firstPosition == 2 && stored.streamVersion == 1)
        _ = try await store.append(to: "t", expectedVersion: .exact(0), events: [sized(50, "still open")])
        await store.close()
        let reopened = try FileEventStore(directory: dir.path, storage: disk)
        #expect(reopened.currentHead().count == 4)
        await reopened.close()
    }

    @Test("a zero-fill written in part before the disk filled is cut at a roll, not left inside the log")
    func partialZeroFillIsCutAtRoll() async throws {
        let dir = TemporaryDirectory()
        let disk = SimulatedSegmentStorage(faults: .init(capacity: 2_000))
        let store = try FileEventStore(directory: dir.path, configuration: .init(segmentSize: 4_096), storage: disk)
        // Its zero-fill step stops part-way at the full disk; the exact reservation then fits.
        _ = try await store.append(to: Self.stream, expectedVersion: .any, events: [sized(200, "first")])
        disk.setFaults(.init())  // space is freed
        _ = try await store.append(to: Self.stream, expectedVersion: .any, events: [sized(3_900, "rolls")])
        await store.close()
        #expect(try disk.list().filter { $0.hasSuffix(".seg") }.count == 2)
        // As after a crash: no snapshot, so the open reads the first segment to its end.
        try FileManagerSupport.remove(dir.file("index.snapshot"))

        let reopened = try FileEventStore(directory: dir.path, storage: disk)
        #expect(reopened.currentHead().count == 2)
        await reopened.close()
    }

    @Test("a last segment whose header never reached the disk (all zeros) is removed as an interrupted creation")
    func zeroHeaderSegmentIsRemoved() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store in
            _ = try await store.append(to: Self.stream, expectedVersion: .any, events: [event("one"), event("two")])
        }
        let name = "00000000000000000002.seg"
        dir.write([UInt8](repeating: 0, count: 64), to: name)
        let store = try FileEventStore(directory: dir.path)
        #expect(store.recoveryReport.removedIncompleteSegment == name)
        #expect(store.currentHead().count == 2)
        _ = try await store.append(to: Self.stream, expectedVersion: .exact(1), events: [event("three")])
        await store.close()
        #expect(dir.segmentNames() == ["00000000000000000000.seg"], "the writer goes on in the segment before it")
        #expect(try LogVerifier.verify(directory: dir.path).head.count == 3)
    }

    @Test("a zero-header last segment that the index snapshot says held events is refused, not removed")
    func zeroHeaderWithSnapshotEventsIsRefused() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir, configuration: .init(segmentSize: 1_024)) { store in
            for n in 0..<12 { _ = try await store.append(to: Self.stream, expectedVersion: .any, events: [event("e\(n) \(n)")]) }
        }
        let last = try #require(dir.segmentNames().last)
        #expect(dir.segmentNames().count > 1)
        dir.write([UInt8](repeating: 0, count: 64), to: last)
        #expect {
            _ = try FileEventStore(directory: dir.path)
        } throws: { error in
            (error as? EventLogError)?.code == .corruptSegmentHeader
        }
    }

    @Test("a segment size a 32-bit record offset cannot address is refused with the setting named")
    func segmentSizeIsValidated() {
        let dir = TemporaryDirectory()
        for size in [4 << 30, 0, 100] {
            #expect {
                _ = try FileEventStore(directory: dir.path, configuration: .init(segmentSize: size))
            } throws: { error in
                let error = error as? EventLogError
                return error?.code == .invalidConfiguration && error!.message.contains("segmentSize")
            }
        }
        #expect(dir.segmentNames().isEmpty, "a refused configuration creates no log")
    }
}
