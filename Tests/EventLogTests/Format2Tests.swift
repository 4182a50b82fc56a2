import EventLog
import Foundation
import Testing

/// Format 2 (docs/LOG-FORMAT.md, "Format 2: torn write or damage"): every record names its write,
/// and the open decides by itself between a torn last write and damage to durable data.
@Suite("EventLog: format 2")
struct Format2Tests {
    /// The frames of a segment: offset, length, position and write group.
    static func frames(_ bytes: [UInt8]) -> [(offset: Int, count: Int, position: UInt64, group: UInt64, continues: Bool)] {
        var out: [(offset: Int, count: Int, position: UInt64, group: UInt64, continues: Bool)] = []
        var offset = 64
        while offset < bytes.count,
              let frame = try? bytes.withUnsafeBytes({ try SegmentDecoding.decodeFrame(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            out.append((offset, frame.frameCount, frame.event.position, frame.group, frame.batchContinues))
            offset += frame.frameCount
        }
        return out
    }

    private static func fixedEvent(_ n: Int) -> ProposedEvent {
        ProposedEvent(id: EventID(high: 7, low: UInt64(n)), type: "test.event", author: .zero,
                      timeMilliseconds: 1_700_000_000_000 + UInt64(n), metadata: [], payload: Array("fixed \(n)".utf8))
    }

    @Test("appends that meet in one flush share a write group; each write starts at its first record's position")
    func groupsAreRecorded() async throws {
        let dir = TemporaryDirectory()
        let disk = SimulatedSegmentStorage()
        let store = try FileEventStore(directory: dir.path, storage: disk)
        _ = try await store.append(to: "a", expectedVersion: .any, events: [event("alone")])
        disk.holdSyncs()
        let inFlight = Task { try await store.append(to: "a", expectedVersion: .any, events: [event("in flight")]) }
        while disk.syncsWaiting == 0 { try await Task.sleep(for: .milliseconds(1)) }
        var queued: [Task<AppendResult, any Error>] = []
        for n in 0..<3 {
            queued.append(Task { try await store.append(to: try StreamName("b\(n)"), expectedVersion: .any, events: [event("q\(n).0"), event("q\(n).1")]) })
            while store.pendingWriterJobs < n + 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        disk.releaseSyncs()
        _ = try await inFlight.value
        for task in queued { _ = try await task.value }
        await store.close()

        let frames = Self.frames(try #require(disk.contents(of: "00000000000000000000.seg")))
        #expect(frames.map(\.position) == Array(0..<8))
        #expect(frames.map(\.group) == [0, 1, 2, 2, 2, 2, 2, 2], "the three queued appends were written as one group at position 2")
    }

    @Test("appenders of the last group that come back one by one within the gather time share one write")
    func gatheredGroup() async throws {
        let dir = TemporaryDirectory()
        let disk = SimulatedSegmentStorage()
        // A gather time no test run reaches: only the count of the last group ends the wait.
        let store = try FileEventStore(directory: dir.path, configuration: .init(groupCommitGather: .seconds(120)), storage: disk)
        disk.holdSyncs()
        let first = Task { try await store.append(to: "a", expectedVersion: .any, events: [event("first")]) }
        while disk.syncsWaiting == 0 { try await Task.sleep(for: .milliseconds(1)) }
        var four: [Task<AppendResult, any Error>] = []
        for n in 0..<4 {
            four.append(Task { try await store.append(to: try StreamName("b\(n)"), expectedVersion: .any, events: [event("b\(n)")]) })
            while store.pendingWriterJobs < n + 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        disk.releaseSyncs()
        _ = try await first.value
        for task in four { _ = try await task.value }

        // The last group had four appends: the next four arrive 20 ms apart, the writer plans each
        // as it comes and writes them together once the fourth is there.
        var spread: [Task<AppendResult, any Error>] = []
        for n in 0..<4 {
            spread.append(Task { try await store.append(to: try StreamName("c\(n)"), expectedVersion: .any, events: [event("c\(n)")]) })
            try await Task.sleep(for: .milliseconds(20))
        }
        var results: [AppendResult] = []
        for task in spread { results.append(try await task.value) }
        #expect(results.map(\.firstPosition).sorted() == [5, 6, 7, 8])
        #expect(store.statistics.groupCommits == 3)
        await store.close()

        let frames = Self.frames(try #require(disk.contents(of: "00000000000000000000.seg")))
        #expect(frames.map(\.group) == [0, 1, 1, 1, 1, 5, 5, 5, 5], "the four spread appends were written as one group at position 5")
    }

    @Test("the chain, and so every checkpoint, does not depend on how appends were grouped")
    func chainIgnoresGrouping() async throws {
        let one = TemporaryDirectory(), grouped = TemporaryDirectory()
        let single = try await withStore(one) { store in
            for n in 0..<6 { _ = try await store.append(to: "s", expectedVersion: .any, events: [Self.fixedEvent(n)]) }
            return try await store.head()
        }
        let together = try await withStore(grouped) { store in
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<6).map(Self.fixedEvent))
            return try await store.head()
        }
        // Different logs (ids) have different genesis values; compare the chain from the same genesis.
        let a = Self.frames(one.bytes(of: one.segmentNames()[0])), b = Self.frames(grouped.bytes(of: grouped.segmentNames()[0]))
        #expect(a.map(\.group) == [0, 1, 2, 3, 4, 5] && b.map(\.group) == [0, 0, 0, 0, 0, 0])
        #expect(single.count == together.count)
        var rewritten = grouped.bytes(of: grouped.segmentNames()[0])
        rewritten.replaceSubrange(16..<32, with: one.bytes(of: one.segmentNames()[0])[16..<32])
        withUnsafeBytes(of: Self.crc32c(Array(rewritten[0..<60])).littleEndian) { rewritten.replaceSubrange(60..<64, with: $0) }
        let rechained = SegmentDecoding.resealed(rewritten, rechain: true)
        let scanned = try SegmentDecoding.scan(rechained, isLast: true)
        #expect(scanned.chain == single.chain, "the same events from the same genesis give the same chain whatever the groups")
    }

    @Test("damage to a completed write is refused, naming the segment, position and offset, and nothing is cut")
    func durableDamageIsRefused() async throws {
        let dir = TemporaryDirectory()
        _ = try await CorruptionTests.makeLog(dir, count: 6)
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let victim = Self.frames(bytes)[2]
        for k in 0..<victim.count { bytes[victim.offset + k] = 0 }  // a hole where a flushed record was
        dir.write(bytes, to: name)
        let error = try #require(CorruptionTests.openError(dir))
        #expect(error.code == .corruptRecord && error.position == 2 && error.segment == name)
        #expect(error.message.contains("damage to durable data") && error.message.contains("offset \(victim.offset)"), "\(error)")
        #expect(dir.bytes(of: name) == bytes, "a refused open changes nothing")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.allSatisfy { !$0.hasPrefix("quarantine-") }, "nothing was cut, so nothing is quarantined")
    }

    @Test("a hole inside the last write, with whole records of the same write after it, is cut by the open and quarantined")
    func tornLastWriteIsCut() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("acknowledged 0"), event("acknowledged 1")])
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<4).map { event("last write \($0)") })
        }
        try FileManagerSupport.remove(dir.file("index.snapshot"))  // what a crash leaves: no snapshot of the last write
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let frames = Self.frames(bytes)
        #expect(frames.map(\.group) == [0, 0, 2, 2, 2, 2])
        let hole = frames[3]
        for k in 0..<hole.count { bytes[hole.offset + k] = 0 }
        dir.write(bytes, to: name)

        let store = try FileEventStore(directory: dir.path)
        let report = store.recoveryReport
        #expect(store.currentHead().count == 2, "the unacknowledged batch is cut whole")
        #expect(report.tornCutAt == 2 && report.tornRecordsCut == 1 && report.tornBytesCut == bytes.count - frames[2].offset)
        let kept = try #require(report.quarantinedAs)
        let lastByte = try #require(bytes.lastIndex { $0 != 0 })
        #expect(dir.bytes(of: kept) == Array(bytes[frames[2].offset...lastByte]), "the cut bytes are kept as they were")
        _ = try await store.append(to: "s", expectedVersion: .exact(1), events: [event("goes on")])
        await store.close()
        #expect(try LogVerifier.verify(directory: dir.path).head.count == 3)
    }

    @Test("a cut the index snapshot proves would lose acknowledged events is refused")
    func snapshotIsTheFloor() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("zero")])
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<3).map { event("batch \($0)") })
        }
        #expect(FileManager.default.fileExists(atPath: dir.file("index.snapshot")), "the clean close wrote a snapshot of 4 events")
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let last = Self.frames(bytes)[3]
        bytes[last.offset + last.count - 6] ^= 0x40  // looks like a torn last write, but it was acknowledged
        dir.write(bytes, to: name)
        let error = try #require(CorruptionTests.openError(dir))
        #expect(error.code == .corruptRecord && error.message.contains("index snapshot proves"), "\(error)")
        #expect(dir.bytes(of: name) == bytes)
    }

    @Test("a format-1 log opens, reads, verifies, and writes on in a new format-2 segment")
    func format1StillOpens() async throws {
        let dir = TemporaryDirectory()
        let head = try await CorruptionTests.makeLog(dir, count: 5)
        let name = dir.segmentNames()[0]
        dir.write(Self.asFormat1(dir.bytes(of: name)), to: name)
        #expect(try LogVerifier.verify(directory: dir.path).head == head, "log verify reads format 1")

        let store = try FileEventStore(directory: dir.path)
        #expect(store.recoveryReport.rolledFromFormat1 == name)
        #expect(try await store.head() == head, "the chain is the same in both formats")
        #expect(try await store.read(from: 0, maxCount: 10).map(text) == (0..<5).map { "event number \($0)" })
        _ = try await store.append(to: "s", expectedVersion: .exact(4), events: [event("in format 2")])
        await store.close()
        #expect(dir.segmentNames() == [name, "00000000000000000005.seg"])
        #expect(dir.bytes(of: "00000000000000000005.seg")[8] == 2 && dir.bytes(of: name)[8] == 1)
        #expect(try LogVerifier.verify(directory: dir.path).head.count == 6)
        let again = try FileEventStore(directory: dir.path)
        #expect(again.currentHead().count == 6)
        await again.close()
    }

    @Test("a format-1 last segment with no record is replaced by a format-2 one")
    func emptyFormat1SegmentIsReplaced() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { _ in }
        let name = dir.segmentNames()[0]
        dir.write(Self.asFormat1(dir.bytes(of: name)), to: name)
        try await withStore(dir) { store in
            #expect(store.recoveryReport.rolledFromFormat1 == name)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("first")])
        }
        #expect(dir.segmentNames() == [name] && dir.bytes(of: name)[8] == 2)
        #expect(try LogVerifier.verify(directory: dir.path).head.count == 1)
    }

    @Test("a format-1 segment whose record names a write group is damage")
    func format1WithGroupIsDamage() async throws {
        let dir = TemporaryDirectory()
        _ = try await CorruptionTests.makeLog(dir, count: 3)
        let name = dir.segmentNames()[0]
        var bytes = Self.asFormat1(dir.bytes(of: name))
        let frame = Self.frames(bytes)[1]
        bytes[frame.offset + 4 + 136] = 1
        Self.reseal(&bytes, frame: (frame.offset, frame.count))
        dir.write(bytes, to: name)
        let error = try #require(CorruptionTests.openError(dir))
        #expect(error.code == .corruptRecord && error.position == 1, "\(error)")
    }

    /// A format-2 segment as format 1 would have written it: header version 1, no write groups.
    static func asFormat1(_ segment: [UInt8]) -> [UInt8] {
        var bytes = segment
        bytes[8] = 1
        let crc = crc32c(Array(bytes[0..<60]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(60..<64, with: $0) }
        for frame in frames(bytes) {
            for k in 0..<8 { bytes[frame.offset + 4 + 136 + k] = 0 }
            reseal(&bytes, frame: (frame.offset, frame.count))
        }
        return bytes
    }

    static func reseal(_ bytes: inout [UInt8], frame: (offset: Int, count: Int)) {
        let crc = crc32c(Array(bytes[frame.offset..<(frame.offset + frame.count - 4)]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((frame.offset + frame.count - 4)..<(frame.offset + frame.count), with: $0) }
    }

    /// CRC-32C, bit by bit: independent of the log's table-driven one.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
