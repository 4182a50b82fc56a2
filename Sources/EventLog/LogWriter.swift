#if canImport(Glibc)
import Glibc
#endif

/// The writer thread's side of the store: plans appends, writes and flushes them as one group,
/// then publishes and acknowledges. Only the writer thread touches this object.
final class LogWriter: @unchecked Sendable {
    private let store: FileEventStore
    private var segment: SegmentFile
    private var segmentEnd: Int
    /// The file's size: bytes from `segmentEnd` up to here are zeros written ahead of need.
    private var zeroFilledEnd: Int
    private var nextPosition: UInt64
    private var chain: Digest32
    /// `nextPosition` and `chain` as of the last durable group: what planning returns to when a
    /// group is refused before any of it was written (the disk is full).
    private var committedPosition: UInt64
    private var committedChain: Digest32
    /// How far ahead of the records the file is extended with zeros (docs/LOG-FORMAT.md).
    private static let zeroFillStep = 1 << 20
    private static let zeros = [UInt8](repeating: 0, count: zeroFillStep)

    init(store: FileEventStore, segment: SegmentFile, segmentEnd: Int, fileSize: Int, nextPosition: UInt64, chain: Digest32) {
        self.store = store
        self.segment = segment
        self.segmentEnd = segmentEnd
        self.zeroFilledEnd = max(fileSize, segmentEnd)
        self.nextPosition = nextPosition
        self.chain = chain
        committedPosition = nextPosition
        committedChain = chain
    }

    /// An event planned in the current group but not yet durable.
    private struct Planned {
        let stream: StreamName
        let event: ProposedEvent
        let payloadHash: Digest32
        let position: UInt64
        let version: UInt64
    }

    /// One write and one flush worth of records.
    private struct Group {
        /// The position of the group's first record: every record of it names this as its `group`.
        var firstPosition: UInt64?
        var buffer: [UInt8] = []
        var offsets: [UInt32] = []
        var streamPositions: [StreamName: [UInt64]] = [:]
        var streamVersions: [StreamName: UInt64] = [:]
        var planned: [EventID: Planned] = [:]
        var replies: [(CheckedContinuation<Result<AppendResult, EventLogError>, Never>, AppendResult)] = []

        /// Empties the group for the next one, keeping its storage (groups of a busy log are alike in
        /// size), except a buffer that grew past `keptBufferBytes`.
        mutating func reset() {
            firstPosition = nil
            if buffer.capacity > Group.keptBufferBytes { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            offsets.removeAll(keepingCapacity: true)
            streamPositions.removeAll(keepingCapacity: true)
            streamVersions.removeAll(keepingCapacity: true)
            planned.removeAll(keepingCapacity: true)
            replies.removeAll(keepingCapacity: true)
        }

        static let keptBufferBytes = 1 << 20
    }

    // MARK: Appends

    /// The group being planned: written and flushed by `commitPending`, or earlier when it grows to
    /// `maximumGroupBytes`, a redaction comes, or a roll needs it out first.
    private var pending = Group()

    /// Plans `jobs` into the pending group, in order. A redaction first commits what was planned
    /// before it, then runs.
    func add(_ jobs: [WriterJob]) {
        for job in jobs {
            switch job {
            case .append(let append):
                do {
                    try plan(append, into: &pending)
                } catch {
                    append.reply.resume(returning: .failure(error))
                }
                if pending.buffer.count >= store.configuration.maximumGroupBytes { commit(&pending) }
            case .redact(let position, let reply):
                commit(&pending)
                reply.resume(returning: Result { () throws(EventLogError) in try redact(position) })
            }
        }
    }

    /// Writes, flushes and acknowledges the pending group.
    func commitPending() { commit(&pending) }

    /// Keeps the restart after a crash short under any load: while the background snapshot thread
    /// is more than `snapshotLagLimit` events behind the head, the writer waits for it before it
    /// takes the next group, for at most `snapshotLagWait`. Appenders wait in the queue meanwhile;
    /// nothing is refused.
    func waitForSnapshotFollower() {
        guard let limit = store.configuration.snapshotLagLimit,
              let lag = store.snapshotProgress.lag(head: committedPosition), lag > UInt64(limit) else { return }
        store.shared.withLock { $0.statistics.snapshotLagWaits += 1 }
        let deadline = ContinuousClock.now + store.configuration.snapshotLagWait
        while let lag = store.snapshotProgress.lag(head: committedPosition), lag > UInt64(limit), ContinuousClock.now < deadline {
            usleep(500)
        }
    }

    private func failedStatus() -> EventLogError? {
        store.shared.withLock { $0.status.refusal }
    }

    private func plan(_ job: AppendJob, into group: inout Group) throws(EventLogError) {
        // Idempotency: a batch already stored (or planned in this group) is answered, not written again.
        // One short lock for everything this job needs from the store: whether it is still open,
        // and the committed index.
        let (refusal, committedVersion, candidates) = store.shared.withLock { state in
            (state.status.refusal, state.index.version(of: job.stream),
             job.events.map { state.index.ids.candidates(for: $0.id) })
        }
        if let refusal { throw refusal }
        var existing: [(position: UInt64, version: UInt64)] = []
        for (k, (event, hash)) in zip(job.events, job.payloadHashes).enumerated() {
            if let found = try find(event, stream: job.stream, payloadHash: hash, candidates: candidates[k], in: group) {
                existing.append(found)
            }
        }
        if !existing.isEmpty {
            guard existing.count == job.events.count else {
                throw EventLogError(code: .duplicateEventConflict,
                                    "\(existing.count) of the batch's \(job.events.count) events are already in the log",
                                    position: existing[0].position)
            }
            let result = AppendResult(firstPosition: existing[0].position, lastPosition: existing[existing.count - 1].position,
                                      streamVersion: existing[existing.count - 1].version, wasAlreadyPresent: true)
            group.replies.append((job.reply, result))
            return
        }

        let current = group.streamVersions[job.stream] ?? committedVersion
        try job.expected.check(current, stream: job.stream)

        let batchBytes = job.events.reduce(0) { $0 + RecordCodec.frameCount(stream: job.stream, event: $1) }
        let used = segmentEnd + group.buffer.count
        if used > SegmentHeader.count && used + batchBytes > store.configuration.segmentSize {
            // W3 (docs/LOG-FORMAT.md): the pending group is committed before the roll, so no write
            // spans two segments.
            commit(&group)
            if let failure = failedStatus() { throw failure }
            // A refused commit can leave the segment without a record; a new one would have its name.
            if segmentEnd > SegmentHeader.count { try roll() }
            // The commit may have been refused (a full disk): then the versions and idempotency
            // answers planned above counted on events that were never stored. Plan again from
            // what is durable; the group is empty now and the segment new, so this does not recur.
            return try plan(job, into: &group)
        }

        let firstVersion = current.map { $0 + 1 } ?? 0
        let firstPosition = nextPosition
        if group.firstPosition == nil { group.firstPosition = nextPosition }
        for (k, (event, hash)) in zip(job.events, job.payloadHashes).enumerated() {
            let version = firstVersion + UInt64(k)
            group.offsets.append(UInt32(segmentEnd + group.buffer.count))
            chain = RecordCodec.encode(event, stream: job.stream, position: nextPosition, version: version,
                                       group: group.firstPosition!, batchContinues: k < job.events.count - 1, previous: chain, payloadHash: hash,
                                       into: &group.buffer)
            group.streamPositions[job.stream, default: []].append(nextPosition)
            group.planned[event.id] = Planned(stream: job.stream, event: event, payloadHash: hash,
                                              position: nextPosition, version: version)
            nextPosition += 1
        }
        let lastVersion = firstVersion + UInt64(job.events.count - 1)
        group.streamVersions[job.stream] = lastVersion
        group.replies.append((job.reply, AppendResult(firstPosition: firstPosition, lastPosition: nextPosition - 1,
                                                      streamVersion: lastVersion, wasAlreadyPresent: false)))
    }

    /// The stored or planned event with this id: its position and version if its content matches,
    /// nil if the id is new, and `duplicateEventConflict` if the id holds other content.
    private func find(_ event: ProposedEvent, stream: StreamName, payloadHash: Digest32, candidates: [UInt64],
                      in group: Group) throws(EventLogError) -> (position: UInt64, version: UInt64)? {
        if let planned = group.planned[event.id] {
            guard planned.stream == stream, planned.event.type == event.type, planned.event.author == event.author,
                  planned.event.metadata == event.metadata, planned.payloadHash == payloadHash else {
                throw conflict(event.id, at: planned.position)
            }
            return (planned.position, planned.version)
        }
        for position in candidates {
            guard let stored = try store.readEvents(from: position, count: 1).first, stored.id == event.id else { continue }
            guard stored.stream == stream, stored.type == event.type, stored.author == event.author,
                  stored.metadata == event.metadata, stored.payloadHash == payloadHash else {
                throw conflict(event.id, at: position)
            }
            return (stored.position, stored.streamVersion)
        }
        return nil
    }

    private func conflict(_ id: EventID, at position: UInt64) -> EventLogError {
        EventLogError(code: .duplicateEventConflict, "event id \(id) is already in the log with other content",
                      position: position)
    }

    /// Writes, flushes and publishes the group, then acknowledges every append in it.
    private func commit(_ group: inout Group) {
        defer { group.reset() }
        if !group.buffer.isEmpty {
            // Space first: once the zeros are written, the records overwrite bytes the file already
            // has, so a full disk is met here, before anything of the group is in the file.
            do {
                try reserve(through: segmentEnd + group.buffer.count)
            } catch {
                refuse(with: error, replies: group.replies)
                return
            }
            do {
                try segment.write(group.buffer, at: segmentEnd)
                try segment.sync()
            } catch {
                fail(with: error, replies: group.replies)
                return
            }
            segmentEnd += group.buffer.count
            committedPosition = nextPosition
            committedChain = chain
            let (end, count, chain) = (segmentEnd, nextPosition, chain)
            store.shared.withLock { state in
                let last = state.index.segments.count - 1
                state.index.segments[last].offsets.append(contentsOf: group.offsets)
                state.index.segments[last].end = end
                for (stream, positions) in group.streamPositions {
                    state.index.streams[stream, default: []].append(contentsOf: positions)
                }
                for (id, planned) in group.planned { state.index.ids.insert(id, position: planned.position) }
                state.index.count = count
                state.index.chain = chain
                state.statistics.groupCommits += 1
                state.statistics.events += UInt64(group.offsets.count)
                state.statistics.appends += UInt64(group.replies.count)
            }
        }
        for (reply, result) in group.replies { reply.resume(returning: .success(result)) }
        if !group.buffer.isEmpty { store.wakeWaiters(streams: group.streamVersions) }
    }

    /// Nothing of the group reached the file, because the disk is full: its appends are refused with
    /// `noSpace` and planning goes back to the last durable group. The store stays open, so the
    /// same appends succeed once space is freed. Any other failure to reserve space stops the store.
    private func refuse(with error: EventLogError,
                        replies: [(CheckedContinuation<Result<AppendResult, EventLogError>, Never>, AppendResult)]) {
        guard error.code == .noSpace else { return fail(with: error, replies: replies) }
        nextPosition = committedPosition
        chain = committedChain
        store.shared.withLock { $0.statistics.refusedForSpace += UInt64(replies.count) }
        let refused = EventLogError(code: .noSpace, "\(error.message); nothing of the append was stored: retry when space is freed",
                                    segment: error.segment)
        for (reply, _) in replies { reply.resume(returning: .failure(refused)) }
    }

    /// After a failed write or flush nothing about the file can be trusted (the kernel may have
    /// dropped dirty pages), so the store stops accepting writes until it is reopened and recovered.
    private func fail(with error: EventLogError,
                      replies: [(CheckedContinuation<Result<AppendResult, EventLogError>, Never>, AppendResult)]) {
        store.shared.withLock { $0.status = .failed(error) }
        let unknown = EventLogError(code: .ioError,
                                    "\(error.message); the append may or may not be stored: retry with the same event ids after reopening",
                                    segment: error.segment)
        for (reply, _) in replies { reply.resume(returning: .failure(unknown)) }
    }

    /// Makes sure the file has bytes through `end`: zeros ahead of need in steps (a flush then has
    /// no file size to commit), or, when the disk cannot hold a whole step, exactly what the group
    /// needs. The zeros need not be durable; recovery treats them as unused space.
    private func reserve(through end: Int) throws(EventLogError) {
        guard end > zeroFilledEnd else { return }
        do {
            try zeroFill(through: max(end, min(zeroFilledEnd + LogWriter.zeroFillStep, store.configuration.segmentSize)))
        } catch where error.code == .noSpace {
            try zeroFill(through: end)
        }
    }

    private func zeroFill(through target: Int) throws(EventLogError) {
        while zeroFilledEnd < target {
            let count = min(LogWriter.zeroFillStep, target - zeroFilledEnd)
            do {
                try withBytes(LogWriter.zeros) { (zeros) throws(EventLogError) in
                    try segment.write(UnsafeRawBufferPointer(rebasing: zeros[0..<count]), at: zeroFilledEnd)
                }
            } catch {
                // A step can be written in part before the disk fills: the file is then longer than
                // `zeroFilledEnd` says, and a roll must cut what is really there (W4).
                if let size = try? segment.size() { zeroFilledEnd = max(zeroFilledEnd, size) }
                throw error
            }
            zeroFilledEnd += count
        }
    }

    /// Starts a new segment (durably) and makes it the one written to. The current segment is first
    /// cut to its last record and flushed, so that only the last segment ever ends in unused zeros.
    private func roll() throws(EventLogError) {
        let file: SegmentFile
        do {
            // The file's real size, not what the writer believes: a failed zero-fill may have left
            // more (W4: no zeros or abandoned bytes inside a segment that is no longer the last).
            if try segment.size() > segmentEnd || zeroFilledEnd > segmentEnd {
                try segment.truncate(to: segmentEnd)
                try segment.sync()
                zeroFilledEnd = segmentEnd
            }
        } catch {
            store.shared.withLock { $0.status = .failed(error) }
            throw error
        }
        do {
            file = try SegmentFile.create(storage: store.storage, basePosition: nextPosition, logID: store.logID)
        } catch where error.code == .noSpace {
            // No new segment on a full disk: this append is refused, the store stays open, and the
            // next append tries again (`create` removed what it began).
            store.shared.withLock { $0.statistics.refusedForSpace += 1 }
            throw error
        } catch {
            store.shared.withLock { $0.status = .failed(error) }
            throw error
        }
        segment = file
        segmentEnd = SegmentHeader.count
        zeroFilledEnd = SegmentHeader.count
        store.shared.withLock { $0.index.segments.append(SegmentIndex(file: file, offsets: [], end: SegmentHeader.count)) }
    }

    // MARK: Redaction

    private func redact(_ position: UInt64) throws(EventLogError) -> Bool {
        if let failure = failedStatus() { throw failure }
        guard let run = store.shared.withLock({ $0.index.runs(from: position, count: 1).first }) else {
            throw EventLogError(code: .notFound, "no event at position \(position)", position: position)
        }
        var frame = try run.file.read(count: run.byteCount, at: run.offset)
        guard case .frame(let decoded) = frame.withUnsafeBytes({ DecodedFrame.scan($0) }), decoded.position == position else {
            throw EventLogError(code: .corruptRecord, "the record to redact is damaged", position: position, segment: run.file.name)
        }
        if decoded.isRedacted { return false }
        let intent = RedactionJournal.Entry(position: position, offset: UInt64(run.offset),
                                            segmentBase: run.file.basePosition, state: .intent)
        try store.journal.record(intent)
        Redaction.apply(to: &frame)
        store.shared.withLock { _ = $0.redacting.insert(position) }
        defer { store.shared.withLock { _ = $0.redacting.remove(position) } }
        do {
            try run.file.write(frame, at: run.offset)
            try run.file.sync()
        } catch {
            store.shared.withLock { $0.status = .failed(error) }
            throw error
        }
        try store.journal.record(RedactionJournal.Entry(position: position, offset: intent.offset,
                                                        segmentBase: intent.segmentBase, state: .done))
        return true
    }
}
