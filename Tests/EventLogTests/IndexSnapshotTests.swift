import EventLog
import Testing

@Suite("EventLog: index snapshot")
struct IndexSnapshotTests {
    /// A log over several segments with a few streams, closed cleanly (which writes the snapshot).
    static func makeLog(_ dir: TemporaryDirectory, events: Int = 60) async throws -> [ProposedEvent] {
        let all = (0..<events).map { event("event \($0)") }
        try await withStore(dir, configuration: .init(segmentSize: 2048)) { store async throws in
            for (n, e) in all.enumerated() {
                _ = try await store.append(to: StreamName("s\(n % 3)"), expectedVersion: .any, events: [e])
            }
        }
        return all
    }

    @Test("a clean close writes a snapshot, and the next open uses it without scanning")
    func usedOnReopen() async throws {
        let dir = TemporaryDirectory()
        let all = try await Self.makeLog(dir)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.snapshotEvents == 60)
            #expect(store.recoveryReport.recordsScanned == 0)
            #expect(try await store.readStream("s1", fromVersion: 0, maxCount: 100).count == 20)
            #expect(try await store.streamVersion("s2") == 19)
            // The id table came from the snapshot: a retry is still recognised.
            let retry = try await store.append(to: "s0", expectedVersion: .any, events: [all[30]])
            #expect(retry.wasAlreadyPresent && retry.firstPosition == 30)
            let next = try await store.append(to: "s0", expectedVersion: .exact(19), events: [event("new")])
            #expect(next.firstPosition == 60 && next.streamVersion == 20)
        }
    }

    @Test("an older snapshot is used for what it covers and the rest is scanned")
    func olderSnapshot() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let older = dir.bytes(of: "index.snapshot")
        try await withStore(dir, configuration: .init(segmentSize: 2048)) { store async throws in
            for n in 60..<90 { _ = try await store.append(to: StreamName("s\(n % 3)"), expectedVersion: .any, events: [event("later \(n)")]) }
        }
        dir.write(older, to: "index.snapshot")  // as if the process had been killed after the later appends
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.snapshotEvents == 60)
            #expect(store.recoveryReport.recordsScanned == 30)
            #expect(try await store.head().count == 90)
            #expect(try await store.readStream("s0", fromVersion: 0, maxCount: 100).count == 30)
            #expect(try await store.read(from: 89, maxCount: 1).map(text) == ["later 89"])
        }
    }

    @Test("a damaged snapshot is ignored and the log is scanned")
    func damagedSnapshot() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        var bytes = dir.bytes(of: "index.snapshot")
        bytes[bytes.count / 2] ^= 0x01
        dir.write(bytes, to: "index.snapshot")
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.snapshotEvents == nil)
            #expect(store.recoveryReport.recordsScanned == 60)
            #expect(try await store.readStream("s1", fromVersion: 0, maxCount: 100).count == 20)
        }
    }

    @Test("a snapshot that does not match the log (another log's, or of a longer history) is ignored")
    func mismatchedSnapshot() async throws {
        let dir = TemporaryDirectory(), other = TemporaryDirectory()
        _ = try await Self.makeLog(dir, events: 30)
        _ = try await Self.makeLog(other, events: 60)
        dir.write(other.bytes(of: "index.snapshot"), to: "index.snapshot")
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.snapshotEvents == nil)
            #expect(try await store.head().count == 30)
        }
    }

    @Test("an interrupted redaction inside the snapshot's range makes the open scan and repair")
    func redactionInsideSnapshot() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir, events: 10)
        let snapshot = dir.bytes(of: "index.snapshot")
        try await withStore(dir) { store async throws in _ = try await store.redact(position: 4) }
        dir.write(snapshot, to: "index.snapshot")
        // Lose the completion entry and the new checksum, as a crash mid-redaction would.
        let journal = dir.bytes(of: "redactions.journal")
        dir.write(Array(journal.prefix(32)), to: "redactions.journal")
        let segment = dir.segmentNames()[0]
        var bytes = dir.bytes(of: segment)
        let frame = CorruptionTests.frames(in: bytes)[4]
        bytes[frame.offset + frame.count - 1] ^= 0xFF
        dir.write(bytes, to: segment)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.snapshotEvents == nil)
            #expect(store.recoveryReport.redactionsCompleted == 1)
            #expect(try await store.read(from: 4, maxCount: 1)[0].isRedacted)
        }
    }

    @Test("damage inside the snapshot's range is found by the background check, which stops the store")
    func damageFoundInBackground() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let segment = dir.segmentNames()[1]
        var bytes = dir.bytes(of: segment)
        let frame = CorruptionTests.frames(in: bytes)[2]
        bytes[frame.offset + frame.count - 6] ^= 0x01
        dir.write(bytes, to: segment)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.snapshotEvents == 60)
            guard case .failed(let error) = await store.integrityCheckResult() else {
                Issue.record("the background check did not find the damage")
                return
            }
            #expect(error.code == .corruptRecord && error.segment == segment)
            let refused = await #expect(throws: EventLogError.self) {
                try await store.append(to: "s0", expectedVersion: .any, events: [event("after damage")])
            }
            #expect(refused?.code == .failed)
        }
    }

    @Test("an intact log passes the background check and keeps working")
    func intactPassesBackgroundCheck() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s0", expectedVersion: .any, events: [event("during the check")])
            #expect(await store.integrityCheckResult() == .passed)
            _ = try await store.append(to: "s0", expectedVersion: .any, events: [event("after the check")])
            #expect(try await store.head().count == 62)
        }
    }
}
