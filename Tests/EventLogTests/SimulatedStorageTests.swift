import EventLog
import Foundation
import Testing

/// The storage fault simulator's model of a power cut (docs/RELIABILITY.md, "Power cut"): what it
/// may lose and what it must keep. A simulator that loses synced bytes makes the campaign blame the
/// log for its own defect; one that never loses anything proves nothing.
@Suite("EventLog: the storage fault simulator")
struct SimulatedStorageTests {
    private func bytes(_ count: Int, _ value: UInt8) -> [UInt8] { [UInt8](repeating: value, count: count) }

    /// A disk with one file of `durable` bytes, synced.
    private func disk(holding durable: [UInt8], faults: SimulatedSegmentStorage.Faults = .init()) throws -> (SimulatedSegmentStorage, any StorageFile) {
        let disk = SimulatedSegmentStorage(faults: faults)
        let file = try disk.create("f")
        try disk.syncDirectory()
        _ = try durable.withUnsafeBytes { try file.write($0, at: 0) }
        try file.sync()
        return (disk, file)
    }

    @Test("a power cut in a write that stored none of its bytes leaves the file as it was synced, in every draw")
    func powerCutInEmptyWriteKeepsFile() throws {
        let synced = bytes(4_000, 7)
        // The power goes in the second write, before any of its bytes reach the page cache.
        let (disk, file) = try disk(holding: synced, faults: .init(powerCutAtWrite: 2, powerCutFraction: 0))
        #expect(throws: EventLogError.self) { _ = try self.bytes(100, 9).withUnsafeBytes { try file.write($0, at: 1_500) } }
        #expect(disk.hasCrashed)
        for seed in UInt64(1)...200 {
            var random = SeededGenerator(seed: seed)
            let after = disk.powerCut(random: &random).contents(of: "f")
            let intact = after == synced  // compared outside #expect, which would print 4 000 bytes twice
            #expect(intact, "draw \(seed): \(after?.count ?? -1) bytes survive of \(synced.count) synced")
        }
    }

    @Test("a write and a truncation not yet synced may each survive or not; synced bytes always do")
    func unsyncedChangesMayGo() throws {
        let synced = bytes(4_000, 7)
        let (disk, file) = try disk(holding: synced)
        _ = try bytes(100, 9).withUnsafeBytes { try file.write($0, at: 1_500) }
        try file.truncate(to: 3_000)
        disk.crash()
        var outcomes = Set<[Int]>()
        for seed in UInt64(1)...200 {
            var random = SeededGenerator(seed: seed)
            let after = try #require(disk.powerCut(random: &random).contents(of: "f"))
            #expect(after.count == 4_000 || after.count == 3_000, "draw \(seed): size \(after.count)")
            let syncedKept = after[..<1_500] == synced[..<1_500] && after[1_600..<3_000] == synced[1_600..<3_000]
            #expect(syncedKept, "draw \(seed): synced bytes changed")
            outcomes.insert([after.count, Int(after[1_500]), Int(after[1_599])])
        }
        // Both sizes, and the write's sectors both kept and lost, turn up over 200 draws.
        #expect(Set(outcomes.map { $0[0] }) == [3_000, 4_000])
        #expect(Set(outcomes.map { $0[1] }) == [7, 9] && Set(outcomes.map { $0[2] }) == [7, 9])
    }

    @Test("a power cut in the rewrite of a redaction in a closed segment loses no acknowledged event")
    func powerCutInRedactionOfClosedSegment() async throws {
        for fraction in [0.0, 0.5, 1.0] {
            let dir = TemporaryDirectory()
            let disk = SimulatedSegmentStorage()
            let store = try FileEventStore(directory: dir.path, configuration: .init(segmentSize: 2_048), storage: disk)
            for k in 0..<12 {
                _ = try await store.append(to: "s", expectedVersion: .any,
                                           events: [event("e\(k)" + String(repeating: ".", count: 400))])
            }
            #expect(try disk.list().filter { $0.hasSuffix(".seg") }.count >= 3, "the first segment is closed")
            // The power goes in the redaction's rewrite of event 1, in the first segment.
            disk.setFaults(.init(powerCutAtWrite: disk.writeCalls + 1, powerCutFraction: fraction))
            _ = try? await store.redact(position: 1)
            #expect(disk.hasCrashed)
            let journal = try Data(contentsOf: URL(fileURLWithPath: dir.file("redactions.journal")))
            for seed in UInt64(1)...40 {
                var random = SeededGenerator(seed: seed)
                let survivor = disk.powerCut(random: &random)
                let copy = TemporaryDirectory()
                try journal.write(to: URL(fileURLWithPath: copy.file("redactions.journal")))
                let reopened = try FileEventStore(directory: copy.path, storage: survivor)
                #expect(reopened.currentHead().count == 12, "fraction \(fraction), draw \(seed)")
                let events = try await reopened.read(from: 0, maxCount: 12)
                #expect(events.map(\.position) == Array(0..<12))
                // The redaction was not acknowledged: its record is whole, or redacted by the open.
                #expect(events[1].isRedacted || events[1].payload == Array(("e1" + String(repeating: ".", count: 400)).utf8))
                await reopened.close()
            }
            await store.close()
        }
    }
}
