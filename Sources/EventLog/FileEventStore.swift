import Synchronization

/// Settings of a `FileEventStore`.
public struct FileEventStoreConfiguration: Sendable, Hashable {
    /// A new segment starts once the current one reaches this size.
    public var segmentSize: Int
    /// The most bytes one group commit writes before it flushes; more waits for the next flush.
    public var maximumGroupBytes: Int
    /// The most events one append may carry.
    public var maximumBatchCount: Int
    /// How long the writer may wait for appenders of the previous group to come back before it
    /// flushes a smaller group. A lone appender never waits.
    public var groupCommitGather: Duration
    /// A background thread writes `index.snapshot` once this many events were appended since the
    /// last one, so that an open after a crash scans at most about this many; nil: not by count.
    public var snapshotEveryEvents: Int?
    /// … or once this many bytes of records were; nil: not by size. With both nil the snapshot is
    /// written only by `close()`.
    public var snapshotEveryBytes: Int?
    /// Between snapshots, the thread writes a small delta (`index.delta.N`: only what was appended
    /// since the snapshot or the previous delta) once this many events, or bytes of records, were
    /// appended, so that an open after a crash scans at most about this much; nil: no deltas. While
    /// the log is small the snapshot itself is rewritten at this pace, then less often (docs/LOG-FORMAT.md).
    public var snapshotDeltaEveryEvents: Int?
    public var snapshotDeltaEveryBytes: Int?
    /// Bounded restart after a crash under any load: once the background thread has caught up with
    /// the log, the writer does not run more than this many events ahead of it; after a group that
    /// leaves it further behind, the writer waits for it (at most `snapshotLagWait` per group, so a
    /// slow snapshot write slows appends and never stops them). nil: the writer never waits.
    public var snapshotLagLimit: Int?
    public var snapshotLagWait: Duration

    public init(segmentSize: Int = 64 << 20, maximumGroupBytes: Int = 8 << 20, maximumBatchCount: Int = 10_000,
                groupCommitGather: Duration = .microseconds(100), snapshotEveryEvents: Int? = 1_000_000,
                snapshotEveryBytes: Int? = 256 << 20, snapshotDeltaEveryEvents: Int? = 100_000,
                snapshotDeltaEveryBytes: Int? = 32 << 20, snapshotLagLimit: Int? = 50_000,
                snapshotLagWait: Duration = .milliseconds(100)) {
        self.segmentSize = segmentSize
        self.maximumGroupBytes = maximumGroupBytes
        self.maximumBatchCount = maximumBatchCount
        self.groupCommitGather = groupCommitGather
        self.snapshotEveryEvents = snapshotEveryEvents
        self.snapshotEveryBytes = snapshotEveryBytes
        self.snapshotDeltaEveryEvents = snapshotDeltaEveryEvents
        self.snapshotDeltaEveryBytes = snapshotDeltaEveryBytes
        self.snapshotLagLimit = snapshotLagLimit
        self.snapshotLagWait = snapshotLagWait
    }

    /// The largest segment: record offsets in the index are 32-bit, and a batch may run one
    /// group past `segmentSize`, so a segment stays well under 4 GiB.
    public static let maximumSegmentSize = 1 << 30

    /// Refuses settings the log cannot keep.
    func validate() throws(EventLogError) {
        guard (1_024...Self.maximumSegmentSize).contains(segmentSize) else {
            throw EventLogError(code: .invalidConfiguration,
                                "segmentSize must be 1 KiB … 1 GiB (record offsets are 32-bit), got \(segmentSize)")
        }
        guard maximumGroupBytes > 0, maximumBatchCount > 0 else {
            throw EventLogError(code: .invalidConfiguration, "maximumGroupBytes and maximumBatchCount must be positive")
        }
        guard (snapshotLagLimit ?? 1) > 0, snapshotLagWait >= .zero else {
            throw EventLogError(code: .invalidConfiguration, "snapshotLagLimit must be positive and snapshotLagWait not negative")
        }
    }
}

/// The embedded event log on segment files (docs/LOG-FORMAT.md).
///
/// Appends are handed to one writer thread, which writes everything pending with one `write`
/// and one `fdatasync` and only then acknowledges and publishes it. Reads take a short lock to
/// find record offsets and then read with `pread`, so they run concurrently with appends.
public final class FileEventStore: EventStore {
    public let directory: String
    /// Where the segment files are: the directory itself, or a simulated disk in tests.
    let storage: any SegmentStorage
    public let logID: LogID
    /// What opening the log found: a cut torn tail, finished redactions, and so on.
    public let recoveryReport: RecoveryReport
    let configuration: FileEventStoreConfiguration

    enum Status: Sendable {
        case open
        case closed
        case failed(EventLogError)

        /// Why an append or redaction cannot be taken in this state, or nil when it can.
        var refusal: EventLogError? {
            switch self {
            case .open: nil
            case .closed: EventLogError(code: .closed, "the event log is closed")
            case .failed(let cause):
                EventLogError(code: .failed, "the store has stopped: \(cause.code): \(cause.message)",
                              position: cause.position, segment: cause.segment)
            }
        }
    }

    struct Shared: ~Copyable {
        var index: LogIndex
        var status: Status = .open
        /// Waits for the log and for one stream; a stream's are woken only by appends to it (a relay
        /// has one per visitor connection).
        var waiters = Waiters()
        /// Positions whose frames are being rewritten in place by a redaction.
        var redacting: Set<UInt64> = []
        var statistics = Statistics()
        var integrity = IntegrityCheck.notNeeded
    }

    /// Counters for metrics and benchmarks.
    public struct Statistics: Hashable, Sendable {
        /// Flushes (`fdatasync`) that made appends durable.
        public var groupCommits: UInt64 = 0
        /// Appends (batches) acknowledged, including idempotent repeats.
        public var appends: UInt64 = 0
        /// Events written.
        public var events: UInt64 = 0
        /// Appends refused with `noSpace` because the disk was full (nothing of them written).
        public var refusedForSpace: UInt64 = 0
        /// Index snapshots written in the background as the log grew (not counting the one of `close()`).
        public var snapshotsWritten: UInt64 = 0
        /// Background snapshots that could not be written, or a follower that stopped; appends go on.
        public var snapshotFailures: UInt64 = 0
        /// Events covered by the last background snapshot written.
        public var snapshotEvents: UInt64 = 0
        /// Index deltas written in the background; `snapshotEvents` counts what they cover too.
        public var snapshotDeltasWritten: UInt64 = 0
        /// Groups after which the writer waited for the background snapshot thread to catch up
        /// (`snapshotLagLimit`).
        public var snapshotLagWaits: UInt64 = 0
    }

    /// The counters so far.
    public var statistics: Statistics { shared.withLock { $0.statistics } }

    let shared: Mutex<Shared>
    let queue = WriterQueue()
    let journal: RedactionJournal
    private let directoryLock: DirectoryLock
    private let writerExit: Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)> = Mutex((false, nil))
    private let snapshotFollower = Mutex<SnapshotFollower?>(nil)
    /// How far the background snapshot thread has followed the log (for `snapshotLagLimit`).
    let snapshotProgress = SnapshotProgress()
    /// Held while `index.snapshot` is written: the background thread and `close()` share its temporary file.
    private let snapshotFile = Mutex(())

    /// Opens the log in `directory`, creating the directory and a new log if there is none.
    /// Recovery runs here: a torn tail is cut and reported in `recoveryReport`; damage elsewhere throws.
    public convenience init(directory: String, configuration: FileEventStoreConfiguration = .init()) throws(EventLogError) {
        try self.init(directory: directory, configuration: configuration, storage: POSIXSegmentStorage(directory: directory))
    }

    /// Opens the log whose segments `storage` holds; its other files (lock, journal, snapshot,
    /// quarantined tails) are in `directory`. The storage fault simulator comes in here.
    package init(directory: String, configuration: FileEventStoreConfiguration = .init(),
                 storage: any SegmentStorage) throws(EventLogError) {
        try configuration.validate()
        try FileSystem.createDirectory(directory)
        directoryLock = try DirectoryLock(directory: directory)
        let opened = try LogRecovery.open(directory: directory, storage: storage)
        self.directory = directory
        self.storage = storage
        self.configuration = configuration
        logID = opened.logID
        recoveryReport = opened.report
        journal = try RedactionJournal(directory: directory)
        shared = Mutex(Shared(index: opened.index))
        let last = opened.index.segments[opened.index.segments.count - 1]
        let writer = LogWriter(store: self, segment: last.file, segmentEnd: last.end, fileSize: try last.file.size(),
                               nextPosition: opened.index.count, chain: opened.index.chain)
        startWriterThread(writer)
        if let covered = opened.report.snapshotEvents, covered > 0 {
            shared.withLock { $0.integrity = .running }
            let verifier = CoveredRangeVerifier(store: self, count: covered)
            WriterThread.start(name: "netreach-log-verify") { verifier.run() }
        }
        if configuration.snapshotEveryEvents != nil || configuration.snapshotEveryBytes != nil {
            let follower = SnapshotFollower(store: self, everyEvents: configuration.snapshotEveryEvents,
                                            everyBytes: configuration.snapshotEveryBytes,
                                            deltaEveryEvents: configuration.snapshotDeltaEveryEvents,
                                            deltaEveryBytes: configuration.snapshotDeltaEveryBytes)
            snapshotFollower.withLock { $0 = follower }
            follower.start()
        }
    }

    /// Appends and redactions handed to the writer and not yet taken by it (for tests that must
    /// know that two appends will be planned in one group).
    package var pendingWriterJobs: Int { queue.count }

    /// Events the head is ahead of the background snapshot thread, once it has caught up the first
    /// time (nil before, and after it stopped).
    package var snapshotFollowerLag: UInt64? { snapshotProgress.lag(head: currentHead().count) }

    /// Stops the background snapshot thread from reading on (tests of a follower that fell behind).
    package func pauseSnapshotFollower(_ paused: Bool) { snapshotProgress.paused.store(paused, ordering: .releasing) }

    /// Why the store has stopped accepting appends (a failed write or flush, or damage the
    /// background check found), or nil while it accepts them.
    public var stoppedBecause: EventLogError? {
        shared.withLock { state in
            if case .failed(let cause) = state.status { return cause }
            return nil
        }
    }

    /// The state of the background check of what an index snapshot let the open skip.
    public var integrity: IntegrityCheck { shared.withLock { $0.integrity } }

    /// Waits until the background check has finished (at once when none is needed) and returns its outcome.
    public func integrityCheckResult() async -> IntegrityCheck {
        while true {
            let state = integrity
            if state != .running { return state }
            if case .closed = shared.withLock({ $0.status }) { return state }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: Appending

    public func append(to stream: StreamName, expectedVersion: ExpectedVersion,
                       events: [ProposedEvent]) async throws(EventLogError) -> AppendResult {
        guard !events.isEmpty else { throw EventLogError(code: .invalidEvent, "an append needs at least one event") }
        guard events.count <= configuration.maximumBatchCount else {
            throw EventLogError(code: .invalidEvent,
                                "an append carries at most \(configuration.maximumBatchCount) events, got \(events.count)")
        }
        for event in events { try RecordCodec.validate(event) }
        if events.count > 1 {
            var seen = Set<EventID>()
            for event in events where !seen.insert(event.id).inserted {
                throw EventLogError(code: .invalidEvent, "event id \(event.id) appears twice in one batch")
            }
        }
        try checkOpen()
        // Hashing here, on the caller's task, keeps that work off the single writer thread.
        let hashes = events.map { RecordCodec.payloadHash($0.payload) }
        let result = await withCheckedContinuation { (reply: CheckedContinuation<Result<AppendResult, EventLogError>, Never>) in
            let job = AppendJob(stream: stream, expected: expectedVersion, events: events, payloadHashes: hashes, reply: reply)
            if !queue.enqueue(.append(job)) {
                reply.resume(returning: .failure(EventLogError(code: .closed, "the event log is closed")))
            }
        }
        return try result.get()
    }

    @discardableResult
    public func redact(position: UInt64) async throws(EventLogError) -> Bool {
        try checkOpen()
        guard position < shared.withLock({ $0.index.count }) else {
            throw EventLogError(code: .notFound, "no event at position \(position)", position: position)
        }
        let result = await withCheckedContinuation { (reply: CheckedContinuation<Result<Bool, EventLogError>, Never>) in
            if !queue.enqueue(.redact(position: position, reply: reply)) {
                reply.resume(returning: .failure(EventLogError(code: .closed, "the event log is closed")))
            }
        }
        return try result.get()
    }

    private func checkOpen() throws(EventLogError) {
        if let refusal = shared.withLock({ $0.status.refusal }) { throw refusal }
    }

    // MARK: Head and waiting

    public func head() async throws(EventLogError) -> LogHead {
        currentHead()
    }

    /// The head, without suspending.
    public func currentHead() -> LogHead {
        shared.withLock { LogHead(logID: logID, count: $0.index.count, chain: $0.index.chain) }
    }

    public func streamVersion(_ stream: StreamName) async throws(EventLogError) -> UInt64? {
        shared.withLock { $0.index.version(of: stream) }
    }

    public func waitForEvents(beyond count: UInt64) async -> Bool {
        await wait(in: nil, beyond: count)
    }

    /// Suspends until `stream` holds more than `count` events; false when the store closes or the
    /// task is cancelled. Only appends to `stream` wake it, so thousands of these cost an append
    /// nothing beyond its own stream's.
    public func waitForEvents(in stream: StreamName, beyond count: UInt64) async -> Bool {
        await wait(in: stream, beyond: count)
    }

    /// Waits until the log (`stream` nil) or one stream holds more than `count` events.
    private func wait(in stream: StreamName?, beyond count: UInt64) async -> Bool {
        let id = shared.withLock { $0.waiters.makeID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = shared.withLock { state in
                    let held = stream.map { state.index.version(of: $0).map { $0 + 1 } ?? 0 } ?? state.index.count
                    if held > count { return true }
                    if case .open = state.status, !Task.isCancelled {
                        state.waiters.add(id, stream: stream, threshold: count, continuation: continuation)
                        return nil
                    }
                    return false
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            shared.withLock { $0.waiters.remove(id, stream: stream) }?.resume(returning: false)
        }
    }

    /// How many waits (log-wide and per stream) are registered now: lets a test know for certain
    /// that a waiter is waiting before it acts.
    package var waitingCount: Int {
        shared.withLock { $0.waiters.count }
    }

    /// Called by the writer after it published new events; `streams` holds each stream the group
    /// wrote to, with its new version.
    func wakeWaiters(streams: [StreamName: UInt64]) {
        let ready = shared.withLock { state in state.waiters.ready(count: state.index.count, written: streams) }
        for continuation in ready { continuation.resume(returning: true) }
    }

    // MARK: Closing

    public func close() async {
        queue.close()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = writerExit.withLock { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
        let waiters = shared.withLock { state -> [CheckedContinuation<Bool, Never>] in
            if case .open = state.status { state.status = .closed }
            return state.waiters.removeAll()
        }
        for waiter in waiters { waiter.resume(returning: false) }
        // Taken out, not only stopped: the follower holds the store, so a store that kept it would
        // never be freed, and with it every segment's file and the journal would stay open.
        let follower = snapshotFollower.withLock { follower -> SnapshotFollower? in
            defer { follower = nil }
            return follower
        }
        await follower?.stop()
        // The snapshot is a cache that only speeds up the next open; without it (write failed, or
        // the store failed) the next open scans the log, which is slower but loses nothing.
        try? writeIndexSnapshot()
        directoryLock.release()
    }

    /// Writes `index.snapshot` for the current head, so the next open need not scan what it covers.
    /// Skipped after a failed write, when the in-memory index may not match the files.
    public func writeIndexSnapshot() throws(EventLogError) {
        let (index, healthy) = shared.withLock { state -> (LogIndex, Bool) in
            if case .failed = state.status { return (state.index, false) }
            return (state.index, true)
        }
        guard healthy else { return }
        try writeSnapshotFile(index)
    }

    func writeSnapshotFile(_ index: LogIndex) throws(EventLogError) {
        try snapshotFile.withLock { (_) throws(EventLogError) in
            try IndexSnapshot.write(index, logID: logID, directory: directory)
        }
    }

    func writeSnapshotDelta(_ delta: IndexSnapshot.Delta, number: Int) throws(EventLogError) {
        try snapshotFile.withLock { (_) throws(EventLogError) in
            try IndexSnapshot.write(delta, number: number, directory: directory)
        }
    }

    /// How many returning appenders wake the gathering writer at a time.
    private static let gatherStep = 8

    private func startWriterThread(_ writer: LogWriter) {
        let gatherNanoseconds = configuration.groupCommitGather.wholeNanoseconds
        WriterThread.start(name: "netreach-log-writer") {
            // Group commit: everything pending becomes one write and one flush. When fewer jobs are
            // there than the last group had (its appenders are still coming back), the writer plans
            // those it has and waits up to `gatherNanoseconds` for the rest, taking them a few at a
            // time, so they share the flush instead of paying for one each. A lone appender never waits.
            var expected = 1
            while let jobs = self.queue.takeAll() {
                var taken = jobs.count
                let deadline = WriterQueue.deadline(after: gatherNanoseconds)
                writer.add(jobs)
                while taken < expected && gatherNanoseconds > 0 {
                    let more = self.queue.take(waitingFor: min(expected - taken, FileEventStore.gatherStep), until: deadline)
                    if more.isEmpty { break }
                    taken += more.count
                    writer.add(more)
                }
                writer.commitPending()
                writer.waitForSnapshotFollower()
                expected = taken
            }
            let waiter = self.writerExit.withLock { state -> CheckedContinuation<Void, Never>? in
                state.done = true
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
