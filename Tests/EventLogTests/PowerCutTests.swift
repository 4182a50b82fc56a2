import EventLog
import Foundation
import Testing

/// A power cut, simulated the way LazyFS does it: what was flushed stays; of the last group's
/// write, which was not yet flushed, any subset of 512-byte sectors may have reached the disk, in
/// any order, and the file may have kept its old size.
@Suite("EventLog: power cut during a group write")
struct PowerCutTests {
    /// The segment's bytes after each acknowledged append, and the events so far.
    private struct History {
        var states: [[UInt8]] = []
        var ends: [Int] = []
        var events: [[ProposedEvent]] = []
    }

    private static let segmentName = "00000000000000000000.seg"

    /// Appends batches one at a time (so each is its own group, flushed before the next is written)
    /// and keeps the segment file's bytes after each acknowledgement.
    private func history(groups: Int, in directory: TemporaryDirectory, random: inout some RandomNumberGenerator) async throws -> History {
        var history = History()
        let store = try FileEventStore(directory: directory.path)
        history.states.append(directory.bytes(of: Self.segmentName))
        history.ends.append(64)
        history.events.append([])
        for group in 0..<groups {
            let batch = (0..<Int.random(in: 1...6, using: &random)).map { n in
                event(String(repeating: "\(group).\(n) ", count: Int.random(in: 4...400, using: &random)))
            }
            let result = try await store.append(to: try StreamName("s\(group % 3)"), expectedVersion: .any, events: batch)
            #expect(result.lastPosition == UInt64(history.events.last!.count + batch.count - 1))
            history.states.append(directory.bytes(of: Self.segmentName))
            history.events.append(history.events.last! + batch)
        }
        await store.close()
        // Where each state's records end: the file's size less the unused zeros an open reports.
        for state in history.states.dropFirst() {
            let copy = TemporaryDirectory()
            copy.write(state, to: Self.segmentName)
            let reopened = try FileEventStore(directory: copy.path)
            history.ends.append(state.count - reopened.recoveryReport.unusedTailBytes)
            await reopened.close()
        }
        return history
    }

    @Test("no acknowledged event is lost or altered, and every power cut opens: a torn last write is cut and kept in a quarantine file")
    func powerCuts() async throws {
        var random = SeededGenerator(seed: 20_261_123)
        let source = TemporaryDirectory()
        let history = try await history(groups: 40, in: source, random: &random)
        var (opened, cutTorn, refused) = (0, 0, 0)
        for trial in 0..<400 {
            let k = Int.random(in: 1..<history.states.count, using: &random)
            let (before, after) = (history.states[k - 1], history.states[k])
            let (start, end) = (history.ends[k - 1], history.ends[k])
            // Which of the group's sectors reached the disk: none, all, or any subset.
            let persisted = Double([0, 1, 0.5, 0.25, 0.75][trial % 5])
            var bytes = after.count > before.count ? before + [UInt8](repeating: 0, count: after.count - before.count) : before
            var sector = start
            while sector < end {
                let next = min(end, (sector / 512 + 1) * 512)
                if Double.random(in: 0..<1, using: &random) < persisted { bytes.replaceSubrange(sector..<next, with: after[sector..<next]) }
                sector = next
            }
            // The new size may not have reached the disk either.
            if trial % 4 == 3 { bytes = Array(bytes.prefix(before.count)) }

            let crashed = TemporaryDirectory()
            crashed.write(bytes, to: Self.segmentName)
            crashed.write([], to: "redactions.journal")
            let acknowledged = history.events[k - 1], attempted = history.events[k]
            do {
                let store = try FileEventStore(directory: crashed.path)
                let stored = try await store.read(from: 0, maxCount: attempted.count + 1)
                let report = store.recoveryReport
                await store.close()
                opened += 1
                // All of what was acknowledged, and the unacknowledged group only as whole batches.
                #expect(stored.count >= acknowledged.count && stored.count <= attempted.count,
                        "trial \(trial): \(stored.count) events, acknowledged \(acknowledged.count), attempted \(attempted.count)")
                for (recorded, expected) in zip(stored, attempted) {
                    #expect(recorded.id == expected.id && recorded.payload == expected.payload, "trial \(trial): an event was altered")
                }
                if report.tornBytesCut > 0 {
                    cutTorn += 1
                    // What was cut is kept, byte for byte, in the quarantine file the report names.
                    let kept = crashed.bytes(of: try #require(report.quarantinedAs))
                    #expect(!kept.isEmpty && kept.count <= report.tornBytesCut, "trial \(trial)")
                }
            } catch {
                // Format 2 tells a torn last write from damage by itself: a power cut is never refused.
                refused += 1
                Issue.record("trial \(trial): a power cut was refused: \(error)")
            }
        }
        // The figures for docs/RELIABILITY.md ("Power cut").
        print("power cut: 400 trials, \(opened) opened (\(cutTorn) with a torn write cut), \(refused) refused")
        #expect(opened == 400 && refused == 0)
    }
}

/// The break-glass tail cut refuses what the open handles itself, and discards acknowledged records only when told to.
@Suite("EventLog: tail cut refusals")
struct TailCutRefusalTests {
    @Test("a log that opens, a position that is not the damage, an open log, and a cut without --discard-acknowledged are all refused, and nothing changes")
    func refusals() async throws {
        let dir = TemporaryDirectory()
        _ = try await CorruptionTests.makeLog(dir, count: 6)
        let store = try FileEventStore(directory: dir.path)
        #expect(throws: EventLogError.self) { try LogTailCut.cut(directory: dir.path, at: 3, discardAcknowledged: true) }  // another opener holds it
        await store.close()
        try FileManagerSupport.remove(dir.file("index.snapshot"))
        let name = dir.segmentNames()[0]
        var cutError = try #require(Self.cutError(dir, at: 3, discard: true))
        #expect(cutError.code == .cutRefused && cutError.message.contains("nothing to cut"), "\(cutError)")

        // Damage inside record 2, with whole records of later writes after it: durable data.
        var bytes = dir.bytes(of: name)
        let frame = CorruptionTests.frames(in: bytes)[2]
        bytes[frame.offset + frame.count - 6] ^= 0x10
        dir.write(bytes, to: name)
        cutError = try #require(Self.cutError(dir, at: 3, discard: true))
        #expect(cutError.code == .cutRefused && cutError.message.contains("position 2"), "\(cutError)")
        cutError = try #require(Self.cutError(dir, at: 2, discard: false))
        #expect(cutError.code == .cutRefused && cutError.message.contains("3 whole record(s)")
                && cutError.message.contains("--discard-acknowledged"), "\(cutError)")
        #expect(dir.bytes(of: name) == bytes, "a refused cut changes nothing")

        let cut = try LogTailCut.cut(directory: dir.path, at: 2, discardAcknowledged: true)
        #expect(cut.eventsAfter == 2 && cut.recordsDiscarded == 3 && cut.offset == frame.offset)
        #expect(dir.bytes(of: cut.savedAs) == Array(bytes[frame.offset...]), "the discarded records are saved first")
        cutError = try #require(Self.cutError(dir, at: 2, discard: true))
        #expect(cutError.code == .cutRefused, "a second cut finds a log that opens")
    }

    private static func cutError(_ dir: TemporaryDirectory, at position: UInt64, discard: Bool) -> EventLogError? {
        do {
            _ = try LogTailCut.cut(directory: dir.path, at: position, discardAcknowledged: discard)
            return nil
        } catch {
            return error
        }
    }
}

/// A small deterministic generator (SplitMix64), so that a failing trial can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
