#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// How far the snapshot follower has read the log, for the writer to see without a lock.
final class SnapshotProgress: Sendable {
    /// Events the follower has added to its index.
    let followed = Atomic<UInt64>(0)
    /// True from the follower's first catching up with the head until it stops: only then does
    /// the writer wait for it (after an open without a snapshot it must first read the whole log).
    let engaged = Atomic<Bool>(false)
    /// Set by tests that need a follower that has fallen behind: it does nothing while this holds.
    let paused = Atomic<Bool>(false)

    /// Events the writer is ahead of the follower, or nil when the follower is not engaged.
    func lag(head: UInt64) -> UInt64? {
        guard engaged.load(ordering: .acquiring) else { return nil }
        let followed = followed.load(ordering: .acquiring)
        return head > followed ? head - followed : 0
    }
}

/// Writes `index.snapshot` in the background as the log grows, so that an open after a crash
/// scans only what was appended since the last one (docs/LOG-FORMAT.md, "Index snapshot").
///
/// It keeps an index of its own, built by reading the durable records back from the segment files
/// with the frame decoder recovery uses, as a follower. It never holds the writer's arrays: a copy
/// of them that outlived the lock would make the writer's next append copy them whole
/// (copy-on-write), an O(n) stall on the thread every append waits for. Under the lock it takes
/// only the published count and each segment's file and end, so it covers exactly the durable,
/// acknowledged events. A snapshot is a cache: failing to write one is counted, never fatal.
final class SnapshotFollower: @unchecked Sendable {
    private let store: FileEventStore
    private let everyEvents: UInt64
    private let everyBytes: Int
    private let deltaEveryEvents: UInt64?
    private let deltaEveryBytes: Int
    private let control = Mutex<(stopping: Bool, done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, false, nil))
    /// How long the thread sleeps between looks at the head.
    private static let pollMicroseconds: useconds_t = 10_000
    /// The most bytes read with one `pread`.
    private static let readChunk = 4 << 20

    // The follower's own index: only its thread touches these.
    private var segments: [SegmentIndex] = []
    private var count: UInt64 = 0
    private var chain: Digest32
    private var streams: [StreamName: [UInt64]] = [:]
    private var ids = EventIDTable()
    /// Events covered by the snapshot on disk, and record bytes followed since it was written.
    private var snapshotCount: UInt64
    private var bytesSinceSnapshot = 0
    /// The snapshot file on disk that deltas are written over (its count and chain), and how many
    /// deltas it has; nil until the follower has written a snapshot or started from one.
    private var base: (count: UInt64, chain: Digest32, deltas: Int)?
    /// Where the last snapshot or delta ended: the next delta starts there.
    private var deltaFrom: (count: UInt64, chain: Digest32, segments: Int, lastOffsets: Int)
    private var bytesSinceDelta = 0
    /// What was followed since `deltaFrom`: each stream's new positions, and the new ids in log order.
    private var pendingStreams: [StreamName: [UInt64]] = [:]
    private var pendingIDs: [EventID] = []

    init(store: FileEventStore, everyEvents: Int?, everyBytes: Int?, deltaEveryEvents: Int? = nil, deltaEveryBytes: Int? = nil) {
        self.store = store
        self.everyEvents = everyEvents.map { UInt64(max(1, $0)) } ?? .max
        self.everyBytes = everyBytes.map { max(1, $0) } ?? .max
        self.deltaEveryEvents = deltaEveryEvents.map { UInt64(max(1, $0)) }
        self.deltaEveryBytes = deltaEveryBytes.map { max(1, $0) } ?? .max
        chain = RecordCodec.genesis(logID: store.logID)
        snapshotCount = store.recoveryReport.snapshotEvents ?? 0
        deltaFrom = (0, chain, 0, 0)
    }

    func start() {
        WriterThread.start(name: "netreach-log-snapshot") { self.run() }
    }

    /// Asks the thread to stop and waits until it has (a snapshot being written is finished first).
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = control.withLock { state -> Bool in
                state.stopping = true
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    private var stopping: Bool { control.withLock { $0.stopping } }

    private enum Outcome { case caughtUp, again, stop }

    private func run() {
        seedFromOpenedSnapshot()
        while !stopping {
            if store.snapshotProgress.paused.load(ordering: .acquiring) {
                usleep(SnapshotFollower.pollMicroseconds)
                continue
            }
            let outcome = round()
            if outcome == .stop { break }
            if outcome == .caughtUp {
                store.snapshotProgress.followed.store(count, ordering: .releasing)
                store.snapshotProgress.engaged.store(true, ordering: .releasing)
            }
            usleep(SnapshotFollower.pollMicroseconds)
        }
        store.snapshotProgress.engaged.store(false, ordering: .releasing)
        let waiter = control.withLock { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            return state.waiter
        }
        waiter?.resume()
    }

    /// Starts from the snapshot the open used, read again from its file (the open's copy is shared
    /// with the writer's index), so that the follower need not read what it covers. When it is not
    /// there as the open found it, the follower starts from the first record.
    private func seedFromOpenedSnapshot() {
        guard let covered = store.recoveryReport.snapshotEvents, covered > 0,
              let snapshot = IndexSnapshot.load(directory: store.directory),
              snapshot.logID == store.logID, snapshot.count == covered else { return }
        let files = store.shared.withLock { state in state.index.segments.map(\.file) }
        guard snapshot.segments.count <= files.count else { return }
        var seeded: [SegmentIndex] = []
        for (file, segment) in zip(files, snapshot.segments) {
            guard file.basePosition == segment.base else { return }
            seeded.append(SegmentIndex(file: file, offsets: segment.offsets, end: segment.end))
        }
        (segments, count, chain, streams, ids) = (seeded, snapshot.count, snapshot.chain, snapshot.streams, snapshot.ids)
        base = (snapshot.baseCount, snapshot.baseChain, snapshot.deltas)
        markDeltaStart()
    }

    /// The next delta starts here.
    private func markDeltaStart() {
        deltaFrom = (count, chain, segments.count, segments.last?.offsets.count ?? 0)
        bytesSinceDelta = 0
        pendingStreams.removeAll(keepingCapacity: true)
        pendingIDs.removeAll(keepingCapacity: true)
    }

    /// Follows the log up to the published head, then writes a snapshot if one is due.
    private func round() -> Outcome {
        let from = max(0, segments.count - 1)
        let published = store.shared.withLock { state -> (count: UInt64, segments: [(SegmentFile, Int)], integrity: IntegrityCheck)? in
            guard case .open = state.status else { return nil }
            // Only the file and the end of each segment: nothing that shares the writer's arrays leaves the lock.
            return (state.index.count, state.index.segments[from...].map { ($0.file, $0.end) }, state.integrity)
        }
        guard let published else { return .stop }
        for (k, (file, end)) in published.segments.enumerated() where count < published.count {
            let number = from + k
            if number == segments.count {
                guard file.basePosition == count else { return failed() }
                segments.append(SegmentIndex(file: file, offsets: [], end: SegmentHeader.count))
            }
            switch follow(segment: number, file: file, through: end, until: published.count) {
            case .caughtUp: continue
            case .again: return .again
            case .stop: return .stop
            }
        }
        guard count == published.count else { return .again }
        switch published.integrity {
        case .failed: return .stop
        // A snapshot never vouches for records the open skipped before they have been checked.
        case .running: return .caughtUp
        case .notNeeded, .passed: break
        }
        if count - snapshotCount >= snapshotInterval || bytesSinceSnapshot >= everyBytes {
            writeSnapshot()
        } else if let deltaEveryEvents, base != nil, count > deltaFrom.count,
                  count - deltaFrom.count >= deltaEveryEvents || bytesSinceDelta >= deltaEveryBytes {
            writeDelta()
        }
        return .caughtUp
    }

    /// Events between whole snapshots. With deltas, a small log's snapshot is cheap, so it is
    /// rewritten at the delta pace until the interval reaches its own size (100 k, 200 k, 400 k, …),
    /// then every `everyEvents`: the snapshots written add up to about twice the final one.
    private var snapshotInterval: UInt64 {
        guard let deltaEveryEvents else { return everyEvents }
        return min(everyEvents, max(deltaEveryEvents, snapshotCount))
    }

    /// Reads the records of one segment from where the follower is up to `end` (the published end
    /// of its whole records), adding each to the follower's index.
    private func follow(segment number: Int, file: SegmentFile, through end: Int, until target: UInt64) -> Outcome {
        var want = SnapshotFollower.readChunk
        while segments[number].end < end && count < target {
            if stopping { return .stop }
            let start = segments[number].end
            let bytes: [UInt8]
            do {
                bytes = try file.read(count: min(end - start, want), at: start)
            } catch {
                return failed()
            }
            var consumed = 0
            var damaged = false
            var outcome: Result<Void, EventLogError> = .success(())
            bytes.withUnsafeBytes { all in
                while consumed < all.count {
                    let rest = UnsafeRawBufferPointer(rebasing: all[consumed...])
                    switch DecodedFrame.scan(rest) {
                    case .frame(let frame):
                        guard frame.position == count else { damaged = true; return }
                        do throws(EventLogError) {
                            try add(frame, UnsafeRawBufferPointer(rebasing: rest[0..<frame.frameCount]), segment: file.name)
                        } catch {
                            outcome = .failure(error)
                            return
                        }
                        segments[number].offsets.append(UInt32(start + consumed))
                        chain = frame.chain
                        count += 1
                        consumed += frame.frameCount
                    case .incomplete:
                        return  // the frame runs past this read: the next read starts with it
                    case .zero, .damaged:
                        damaged = true
                        return
                    }
                }
            }
            segments[number].end = start + consumed
            bytesSinceSnapshot += consumed
            bytesSinceDelta += consumed
            store.snapshotProgress.followed.store(count, ordering: .releasing)
            if case .failure = outcome { return failed() }
            if damaged {
                // A redaction rewriting the record in place right now is not damage: read it again later.
                return store.shared.withLock({ $0.redacting.contains(count) }) ? .again : failed()
            }
            if consumed == 0 {
                // One frame larger than the read: read exactly that frame.
                guard bytes.count >= 4, want < end - start else { return failed() }
                want = 8 + bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
            } else {
                want = SnapshotFollower.readChunk
            }
        }
        return .caughtUp
    }

    /// Adds a record to the stream and id indexes, checking that its stream version follows. Only
    /// published records are read, so every batch is whole: no record is ever taken back.
    private func add(_ frame: DecodedFrame, _ frameBytes: UnsafeRawBufferPointer, segment: String) throws(EventLogError) {
        let stream = try frame.streamName(in: frameBytes)
        let expected = UInt64(streams[stream]?.count ?? 0)
        guard frame.version == expected else {
            throw EventLogError(code: .corruptRecord, "stream \(stream) has version \(frame.version) where \(expected) was due",
                                position: frame.position, segment: segment)
        }
        streams[stream, default: []].append(frame.position)
        ids.insert(frame.id, position: frame.position)
        if deltaEveryEvents != nil {
            pendingStreams[stream, default: []].append(frame.position)
            pendingIDs.append(frame.id)
        }
    }

    private func writeSnapshot() {
        let written: Bool
        do {
            try store.writeSnapshotFile(LogIndex(segments: segments, count: count, chain: chain, streams: streams, ids: ids))
            written = true
        } catch {
            written = false
        }
        tally(written: written, delta: false)
        // After a failure too: the next attempt waits for a whole interval, not the next poll.
        snapshotCount = count
        bytesSinceSnapshot = 0
        // A failed write may have left the old snapshot, or none: deltas wait for the next one.
        base = written ? (count, chain, 0) : nil
        markDeltaStart()
    }

    /// Counts a snapshot or delta written (what it covers), or one that could not be.
    private func tally(written: Bool, delta: Bool) {
        let covered = count
        store.shared.withLock { state in
            guard written else {
                state.statistics.snapshotFailures += 1
                return
            }
            if delta { state.statistics.snapshotDeltasWritten += 1 } else { state.statistics.snapshotsWritten += 1 }
            state.statistics.snapshotEvents = covered
        }
    }

    /// Writes what was followed since the last snapshot or delta as the next `index.delta.N`.
    private func writeDelta() {
        guard let current = base else { return }
        var parts: [IndexSnapshot.Delta.SegmentPart] = []
        for number in max(0, deltaFrom.segments - 1)..<segments.count {
            let skip = number == deltaFrom.segments - 1 ? deltaFrom.lastOffsets : 0
            let segment = segments[number]
            parts.append(.init(number: number, base: segment.basePosition, offsets: Array(segment.offsets[skip...]), end: segment.end))
        }
        let delta = IndexSnapshot.Delta(
            logID: store.logID, baseCount: current.count, baseChain: current.chain, fromCount: deltaFrom.count,
            fromChain: deltaFrom.chain, toCount: count, toChain: chain, segments: parts,
            streams: pendingStreams.map { ($0.key, $0.value) }, ids: pendingIDs, idPositions: Array(deltaFrom.count..<count))
        let written: Bool
        do {
            try store.writeSnapshotDelta(delta, number: current.deltas + 1)
            written = true
        } catch {
            written = false
        }
        tally(written: written, delta: true)
        if written {
            base = (current.count, current.chain, current.deltas + 1)
            markDeltaStart()
        } else {
            // The deltas after a missing one are never applied: none until the next snapshot.
            base = nil
        }
    }

    /// What the follower read does not fit the log (it cannot happen unless the files are damaged
    /// under it): counted, and no more background snapshots are written. Appends are untouched;
    /// reads and the next open meet the damage themselves.
    private func failed() -> Outcome {
        store.shared.withLock { $0.statistics.snapshotFailures += 1 }
        return .stop
    }
}
