import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine

extension SoakCommand {
    /// The storage fault simulator's campaign (docs/RELIABILITY.md, "Power cut").
    struct PowerCut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "power-cut",
            abstract: "Appends, rolls, redactions and disk faults on a simulated disk, then a power cut; check the reopen.",
            discussion: """
                Each trial runs the real event log on the storage fault simulator: rounds of concurrent
                appends from several writers to several streams, small segments (so groups roll), some
                redactions, index snapshots written in the background, and one kind of fault (none, a full disk that is later freed, a short write,
                an EIO on a write, an EIO on a flush). Then the power goes: of the writes since each
                file's last sync, any subset of 512-byte sectors survives, the old or the new size, and
                names not yet synced to the directory may vanish. The log is reopened and must open
                (a torn last write is cut by itself); every acknowledged event must be there once, at its
                acknowledged position, with its payload (or redacted). It is written to again and
                reopened. Then a record of a completed write is damaged: that open must be refused.
                The faults are drawn from --seed; how concurrent writers meet in groups is the scheduler's.

                Prints `N trials, R refused, C cut automatically, 0 acknowledged lost`; exits 1 if anything
                acknowledged was lost, a power cut was refused, or damage to durable data was opened. A
                refused trial also prints the simulated disk before and after the cut: every file with its
                names, sizes and the changes not yet synced.

                --fault runs every trial with one kind of fault; --jitter makes each disk operation wait a
                random few microseconds first, so that the threads meet in orders the scheduler rarely
                gives (such a run does not repeat exactly).

                Examples:
                  netreach-soak power-cut --trials 5000 --seed 7 --work-dir /tmp/netreach-power-cut
                  netreach-soak power-cut --trials 20000 --fault full-disk --jitter 50 --work-dir /tmp/pc
                """
        )

        @Option(help: "How many trials.") var trials = 1_000
        @Option(help: "Seed for the faults and the power cuts, to repeat a run.") var seed: UInt64 = UInt64.random(in: 1...UInt64.max)
        @Option(help: "Scratch directory for the files beside the segments (emptied first).") var workDir: String
        @Option(help: "Run only trials with this fault (default: each trial draws one).")
        var fault: PowerCutTrial.Fault?
        @Option(help: "Each disk operation first waits a random 0…N microseconds, so that threads meet in more orders (not repeatable).")
        var jitter = 0

        func validate() throws {
            guard trials > 0 else { throw ValidationError("--trials must be positive") }
            guard (0...100_000).contains(jitter) else { throw ValidationError("--jitter must be 0…100000 microseconds") }
            guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        }

        func run() async throws {
            try? FileManager.default.removeItem(atPath: workDir)
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            print("power-cut campaign: \(trials) trials, seed \(seed)")
            var tally = PowerCutTally()
            for trial in 0..<trials {
                var random = SeededGenerator(seed: seed &+ UInt64(trial) &* 0x9E37_79B9)
                let directory = workDir + "/trial-\(trial)"
                do {
                    try await PowerCutTrial(number: trial, directory: directory, only: fault, jitter: jitter).run(random: &random, tally: &tally)
                } catch {
                    tally.failures += 1
                    printToStandardError("trial \(trial): \(error)")
                }
                try? FileManager.default.removeItem(atPath: directory)
                if (trial + 1) % 500 == 0 { print("  \(trial + 1) trials: \(tally.summary)") }
            }
            print(tally.summary)
            print(tally.details)
            if !tally.passed { throw ExitCode.failure }
        }
    }
}

/// What the campaign counted.
struct PowerCutTally {
    var trials = 0
    var refused = 0
    var cut = 0
    var lost = 0
    var acknowledged = 0
    var faults: [String: Int] = [:]
    var fromSnapshot = 0
    var withDeltas = 0
    var withLagWaits = 0
    var damageTrials = 0
    var damageRefused = 0
    var failures = 0

    var passed: Bool { refused == 0 && lost == 0 && damageRefused == damageTrials && damageTrials > 0 && failures == 0 }

    var summary: String {
        "\(trials) trials, \(refused) refused, \(cut) cut automatically, \(lost) acknowledged lost"
    }

    var details: String {
        let kinds = faults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return """
            acknowledged events checked: \(acknowledged)
            reopens that started from a background index snapshot: \(fromSnapshot) (\(withDeltas) with index deltas applied)
            trials in which the writer waited for the snapshot thread: \(withLagWaits)
            faults: \(kinds)
            damage to a completed write: \(damageTrials) trials, \(damageRefused) refused
            trials that could not run: \(failures)
            """
    }
}

/// One trial: a store on a simulated disk, faults, a power cut, and the checks.
struct PowerCutTrial {
    let number: Int
    let directory: String
    /// The fault every trial has, instead of one drawn per trial (the draw is made all the same, so
    /// that the rest of a trial is what it would have been with that fault drawn).
    let only: Fault?
    /// `SimulatedSegmentStorage.Faults.jitterMicroseconds`.
    let jitter: Int

    enum Fault: String, CaseIterable, ExpressibleByArgument {
        case none = "power cut only", fullDisk = "full disk", shortWrite = "short write", writeEIO = "EIO on write"
        case syncEIO = "EIO on flush"

        /// The name `--fault` takes.
        var option: String {
            switch self {
            case .none: "none"
            case .fullDisk: "full-disk"
            case .shortWrite: "short-write"
            case .writeEIO: "write-eio"
            case .syncEIO: "flush-eio"
            }
        }

        static var allValueStrings: [String] { allCases.map(\.option) }

        init?(argument: String) {
            guard let fault = Fault.allCases.first(where: { $0.option == argument }) else { return nil }
            self = fault
        }
    }

    /// An acknowledged event: where it was stored and what it held.
    private struct Acknowledged {
        let position: UInt64
        let id: EventID
        let payload: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func run(random: inout SeededGenerator, tally: inout PowerCutTally) async throws {
        let drawn = Fault.allCases[Int.random(in: 0..<Fault.allCases.count, using: &random)]
        let fault = only ?? drawn
        tally.faults[fault.rawValue, default: 0] += 1
        var faults = SimulatedSegmentStorage.Faults()
        switch fault {
        case .none: break
        case .fullDisk: faults.capacity = Int.random(in: 2_000...40_000, using: &random)
        case .shortWrite: faults.shortWrite = Int.random(in: 2...60, using: &random)
        case .writeEIO: faults.failingWrite = Int.random(in: 2...60, using: &random)
        case .syncEIO: faults.failingSync = Int.random(in: 2...40, using: &random)
        }
        // Most trials lose power in the middle of a write (any write: a group's records, a zero-fill,
        // a segment header, a redaction's rewrite); the rest after the last round.
        if Int.random(in: 0..<4, using: &random) > 0 {
            faults.powerCutAtWrite = Int.random(in: 2...80, using: &random)
            faults.powerCutFraction = Double.random(in: 0...1, using: &random)
        }
        faults.jitterMicroseconds = jitter
        let disk = SimulatedSegmentStorage(faults: faults)
        let first = directory + "/first"
        try FileManager.default.createDirectory(atPath: first, withIntermediateDirectories: true)
        // Background index snapshots every few dozen events, and deltas between them, so that power
        // cuts meet both and the rule "never cut below what the snapshot proves" is exercised; a lag
        // limit of a few dozen events, so that they also meet a writer waiting for the snapshot thread.
        let configuration = FileEventStoreConfiguration(segmentSize: Int.random(in: 2_048...16_384, using: &random),
                                                        snapshotEveryEvents: Int.random(in: 10...200, using: &random),
                                                        snapshotDeltaEveryEvents: Int.random(in: 3...60, using: &random),
                                                        snapshotLagLimit: Int.random(in: 1...40, using: &random),
                                                        snapshotLagWait: .microseconds(Int.random(in: 0...2_000, using: &random)))
        let store = try FileEventStore(directory: first, configuration: configuration, storage: disk)

        var acknowledged: [EventID: Acknowledged] = [:]
        var redactedOrMaybe = Set<UInt64>()
        let rounds = Int.random(in: 2...24, using: &random)
        let cutInFlight = Bool.random(using: &random)
        var inFlight: Task<Void, Never>?
        for round in 0..<rounds {
            let batches = (0..<Int.random(in: 1...8, using: &random)).map { _ in
                Self.batch(random: &random)
            }
            let last = round == rounds - 1
            let work = Task { () -> [(stream: StreamName, events: [ProposedEvent], result: AppendResult?)] in
                await withTaskGroup(of: (StreamName, [ProposedEvent], AppendResult?).self) { group in
                    for (stream, events) in batches {
                        group.addTask { (stream, events, try? await store.append(to: stream, expectedVersion: .any, events: events)) }
                    }
                    var out: [(stream: StreamName, events: [ProposedEvent], result: AppendResult?)] = []
                    for await item in group { out.append(item) }
                    return out
                }
            }
            if last && cutInFlight {
                // The power goes while this round's appends are in flight: none of them is counted.
                inFlight = Task { _ = await work.value }
                break
            }
            for (_, events, result) in await work.value {
                guard let result, !result.wasAlreadyPresent else { continue }
                for (k, event) in events.enumerated() {
                    acknowledged[event.id] = Acknowledged(position: result.firstPosition + UInt64(k), id: event.id, payload: event.payload)
                }
            }
            if !acknowledged.isEmpty && Int.random(in: 0..<5, using: &random) == 0 {
                let position = acknowledged.values.map(\.position).sorted()[Int.random(in: 0..<acknowledged.count, using: &random)]
                redactedOrMaybe.insert(position)
                _ = try? await store.redact(position: position)
            }
            if fault == .fullDisk && Int.random(in: 0..<6, using: &random) == 0 {
                var freed = faults
                freed.capacity = .max
                disk.setFaults(freed)
            }
            if disk.hasCrashed { break }
        }
        if inFlight != nil { try await Task.sleep(for: .microseconds(Int.random(in: 0...400, using: &random))) }

        // The power goes: the files beside the segments are copied as they are now (they are
        // written durably, each with its own fsync), and the disk is what the cut leaves of it.
        disk.crash()
        let second = directory + "/second"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: first)) ?? [] where name != "LOCK" {
            try? FileManager.default.copyItem(atPath: first + "/" + name, toPath: second + "/" + name)
        }
        let survivor = disk.powerCut(random: &random)
        let survivorSummary = survivor.summary
        await inFlight?.value
        if store.statistics.snapshotLagWaits > 0 { tally.withLagWaits += 1 }
        await store.close()

        tally.trials += 1
        tally.acknowledged += acknowledged.count
        let reopened: FileEventStore
        do {
            reopened = try FileEventStore(directory: second, configuration: configuration, storage: survivor)
        } catch {
            tally.refused += 1
            printToStandardError("trial \(number) (\(fault.rawValue)): a power cut was refused: \(error)")
            let sideFiles = ((try? FileManager.default.contentsOfDirectory(atPath: second)) ?? []).sorted().joined(separator: " ")
            let positions = acknowledged.values.map(\.position).sorted()
            printToStandardError("""
                the disk before the cut:
                \(disk.summary)
                the disk after it:
                \(survivorSummary)
                files beside the segments: \(sideFiles)
                acknowledged positions: \(positions.count), up to \(positions.last.map(String.init) ?? "none")
                """)
            return
        }
        if reopened.recoveryReport.tornBytesCut > 0 { tally.cut += 1 }
        if (reopened.recoveryReport.snapshotEvents ?? 0) > 0 { tally.fromSnapshot += 1 }
        if reopened.recoveryReport.snapshotDeltas > 0 { tally.withDeltas += 1 }
        let lost = try await check(reopened, acknowledged: acknowledged, redacted: redactedOrMaybe)
        tally.lost += lost
        // Writing goes on after the cut (W4: nothing of the abandoned tail is in the way).
        let head = reopened.currentHead().count
        _ = try await reopened.append(to: "after", expectedVersion: .any,
                                      events: [Self.event(bytes: 300, random: &random), Self.event(bytes: 40, random: &random)])
        _ = try await reopened.append(to: "after", expectedVersion: .any, events: [Self.event(bytes: 90, random: &random)])
        await reopened.close()
        let again = try FileEventStore(directory: second, configuration: configuration, storage: survivor)
        guard again.currentHead().count == head + 3 else {
            throw Failure(description: "after writing on, the log holds \(again.currentHead().count) events, not \(head + 3)")
        }
        tally.lost += try await check(again, acknowledged: acknowledged, redacted: redactedOrMaybe)
        await again.close()

        if try damageCompletedWrite(survivor, random: &random) {
            tally.damageTrials += 1
            // As after a crash: no snapshot of the last writes, so the open's own rule decides.
            try? FileManager.default.removeItem(atPath: second + "/index.snapshot")
            do {
                let damaged = try FileEventStore(directory: second, configuration: configuration, storage: survivor)
                await damaged.close()
                printToStandardError("trial \(number): damage to a completed write was opened as if it were a torn write")
            } catch {
                tally.damageRefused += 1
            }
        }
    }

    /// Counts acknowledged events that are missing, moved, doubled or altered.
    private func check(_ store: FileEventStore, acknowledged: [EventID: Acknowledged], redacted: Set<UInt64>) async throws -> Int {
        let count = store.currentHead().count
        var all: [RecordedEvent] = []
        while UInt64(all.count) < count { all += try await store.read(from: UInt64(all.count), maxCount: 512) }
        var seen = Set<EventID>()
        var lost = 0
        for event in all where !seen.insert(event.id).inserted {
            printToStandardError("trial \(number): event \(event.id) is stored twice")
            lost += 1
        }
        for expected in acknowledged.values {
            guard expected.position < UInt64(all.count) else {
                printToStandardError("trial \(number): acknowledged position \(expected.position) is gone (\(all.count) events)")
                lost += 1
                continue
            }
            let stored = all[Int(expected.position)]
            let intact = stored.id == expected.id
                && (stored.payload == expected.payload || (stored.isRedacted && redacted.contains(expected.position)))
            if !intact {
                printToStandardError("trial \(number): the event acknowledged at \(expected.position) is not there as it was")
                lost += 1
            }
        }
        return lost
    }

    /// Flips a byte in a record of the last segment that a later write follows (so its write had
    /// completed its flush); false when the last segment has no such record.
    private func damageCompletedWrite(_ disk: SimulatedSegmentStorage, random: inout SeededGenerator) throws -> Bool {
        guard let last = try disk.list().filter({ $0.hasSuffix(".seg") }).sorted().last,
              var bytes = disk.contents(of: last) else { return false }
        var frames: [(offset: Int, count: Int, group: UInt64)] = []
        var offset = 64
        while offset < bytes.count {
            guard let frame = try? bytes.withUnsafeBytes({ try SegmentDecoding.decodeFrame(UnsafeRawBufferPointer(rebasing: $0[offset...])) })
            else { break }
            frames.append((offset, frame.frameCount, frame.group))
            offset += frame.frameCount
        }
        guard let lastGroup = frames.last?.group else { return false }
        let completed = frames.filter { $0.group < lastGroup }
        guard !completed.isEmpty else { return false }
        let victim = completed[Int.random(in: 0..<completed.count, using: &random)]
        let at = victim.offset + Int.random(in: 0..<victim.count, using: &random)
        bytes[at] ^= UInt8.random(in: 1...255, using: &random)
        disk.overwrite(last, with: bytes)
        return true
    }

    private static func batch(random: inout SeededGenerator) -> (StreamName, [ProposedEvent]) {
        let stream = try! StreamName("s\(Int.random(in: 0..<5, using: &random))")
        return (stream, (0..<Int.random(in: 1...4, using: &random)).map { _ in event(bytes: Int.random(in: 10...600, using: &random), random: &random) })
    }

    private static func event(bytes: Int, random: inout SeededGenerator) -> ProposedEvent {
        ProposedEvent(id: EventID(high: random.next(), low: random.next()),
                      type: "soak.power-cut", author: .zero, timeMilliseconds: 1_700_000_000_000,
                      metadata: [], payload: (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &random) })
    }
}
