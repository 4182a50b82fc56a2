/// The event log's public API. `FileEventStore` implements it on segment files; a PostgreSQL
/// implementation can be added without touching callers.
public protocol EventStore: Sendable {
    /// The log's random id, fixed when it was created.
    var logID: LogID { get }

    /// Appends `events` to `stream` atomically, after checking the stream's version; returns once durable.
    func append(to stream: StreamName, expectedVersion: ExpectedVersion,
                events: [ProposedEvent]) async throws(EventLogError) -> AppendResult

    /// Up to `maxCount` events from `position` onwards, in position order.
    func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent]

    /// What a follower of the whole log reads next: as `read`, except that a store may answer with
    /// what this process already knows, up to its `currentHead()`, rather than ask its storage (a
    /// follower is woken again for anything newer). The default is `read`.
    func readFollowing(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent]

    /// Up to `maxCount` events from `position` backwards (`position` included), newest first.
    func readBackward(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent]

    /// Up to `maxCount` events of one stream from `version` onwards.
    func readStream(_ stream: StreamName, fromVersion version: UInt64,
                    maxCount: Int) async throws(EventLogError) -> [RecordedEvent]

    /// The version of the stream's last event; nil when the stream has none.
    func streamVersion(_ stream: StreamName) async throws(EventLogError) -> UInt64?

    /// The number of events and the chain value of the last one.
    func head() async throws(EventLogError) -> LogHead

    /// The head as this process knows it, without suspending (for a health check, or to know where a
    /// read should stop). It may trail appends made elsewhere; it never runs ahead of what is durable.
    func currentHead() -> LogHead

    /// Why the store refuses every append now (a failed write, damage found), or nil while it accepts them.
    var stoppedBecause: EventLogError? { get }

    /// Destroys the payload of the event at `position`, keeping its hash so the chain still verifies.
    /// Returns false when it was already redacted.
    @discardableResult
    func redact(position: UInt64) async throws(EventLogError) -> Bool

    /// Suspends until the log holds more than `count` events; false when the store closes or the task is cancelled.
    func waitForEvents(beyond count: UInt64) async -> Bool

    /// Suspends until `stream` holds more than `count` events; false when the store closes or the
    /// task is cancelled. Appends to other streams do not wake it.
    func waitForEvents(in stream: StreamName, beyond count: UInt64) async -> Bool

    /// Finishes queued appends, then closes. Later calls fail with `closed`.
    func close() async
}

extension EventStore {
    public func readFollowing(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        try await read(from: position, maxCount: maxCount)
    }

    /// Every event from `position` on: first those already stored, then each new one as it becomes durable.
    ///
    /// The subscription reads from the log at the consumer's pace and buffers at most one read
    /// batch, so a slow consumer costs no memory. A consumer that wants to know it has fallen
    /// behind (to drop a live connection rather than lag) sets `maximumLag`: once it has caught up
    /// with the head, falling more than that many events behind ends it with `subscriberFellBehind`.
    public func subscribe(from position: UInt64, maximumLag: UInt64? = nil, batchSize: Int = 256) -> EventSubscription<Self> {
        EventSubscription(store: self, start: position, maximumLag: maximumLag, batchSize: batchSize)
    }
}

/// See `EventStore.subscribe(from:maximumLag:batchSize:)`.
public struct EventSubscription<Store: EventStore>: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    let store: Store
    let start: UInt64
    let maximumLag: UInt64?
    let batchSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, next: start, maximumLag: maximumLag, batchSize: Swift.max(1, batchSize))
    }

    public struct Iterator: AsyncIteratorProtocol, Sendable {
        let store: Store
        var next: UInt64
        let maximumLag: UInt64?
        let batchSize: Int
        var buffer: [RecordedEvent] = []
        var bufferIndex = 0
        var caughtUp = false

        /// The next event, waiting for one if needed; nil when the store closes or the task is cancelled.
        public mutating func next() async throws -> RecordedEvent? {
            if bufferIndex < buffer.count {
                defer { bufferIndex += 1 }
                return buffer[bufferIndex]
            }
            while !Task.isCancelled {
                let head = try await store.head()
                if next < head.count {
                    if caughtUp, let maximumLag, head.count - next > maximumLag {
                        throw EventLogError(code: .subscriberFellBehind,
                                            "the subscriber is \(head.count - next) events behind the head (limit \(maximumLag))",
                                            position: next)
                    }
                    buffer = try await store.read(from: next, maxCount: batchSize)
                    guard !buffer.isEmpty else { continue }
                    next = buffer[buffer.count - 1].position + 1
                    bufferIndex = 1
                    return buffer[0]
                }
                caughtUp = true
                guard await store.waitForEvents(beyond: next) else { return nil }
            }
            return nil
        }
    }
}

/// What a catch-up-then-live follower delivers: the events already stored, one `live` mark once it
/// has caught up with the head (the log's event count then, the position a client resumes from),
/// then each new event as it becomes durable.
public enum FollowedEvent: Sendable {
    case event(RecordedEvent)
    case live(position: UInt64)
}

extension EventStore {
    /// Every event of the log from `position` on, then `live`, then each new one (what a relay sends
    /// a staff member who subscribes: docs/PROTOCOL.md, "Session").
    public func follow(from position: UInt64, batchSize: Int = 256) -> LogFollower<Self> {
        LogFollower(store: self, next: position, batchSize: Swift.max(1, batchSize))
    }

    /// The events of one stream at log positions from `position` on, then `live`, then each new one
    /// of that stream (what a relay sends a visitor who subscribes to its conversation).
    public func follow(stream: StreamName, from position: UInt64, batchSize: Int = 256) -> StreamFollower<Self> {
        StreamFollower(store: self, stream: stream, from: position, batchSize: Swift.max(1, batchSize))
    }
}

/// See `EventStore.follow(from:batchSize:)`. Reads at the consumer's pace, one batch at a time.
public struct LogFollower<Store: EventStore>: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public typealias Element = FollowedEvent
    let store: Store
    var next: UInt64
    let batchSize: Int
    var buffer: [RecordedEvent] = []
    var bufferIndex = 0
    var announcedLive = false

    public func makeAsyncIterator() -> LogFollower<Store> { self }

    /// The next event or the `live` mark, waiting if needed; nil when the store closes or the task is cancelled.
    public mutating func next() async throws -> FollowedEvent? {
        while !Task.isCancelled {
            if bufferIndex < buffer.count {
                bufferIndex += 1
                return .event(buffer[bufferIndex - 1])
            }
            if next < store.currentHead().count {
                buffer = try await store.readFollowing(from: next, maxCount: batchSize)
                bufferIndex = 0
                if let last = buffer.last {
                    next = last.position + 1
                    continue
                }
            }
            if !announcedLive {
                announcedLive = true
                return .live(position: next)
            }
            // Everything before `next` has been delivered: wait until the log holds more.
            guard await store.waitForEvents(beyond: next) else { return nil }
        }
        return nil
    }
}

/// See `EventStore.follow(stream:from:batchSize:)`.
public struct StreamFollower<Store: EventStore>: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public typealias Element = FollowedEvent
    let store: Store
    let stream: StreamName
    /// The first log position delivered: the stream is read from its start, earlier events skipped.
    let from: UInt64
    let batchSize: Int
    var nextVersion: UInt64 = 0
    var buffer: [RecordedEvent] = []
    var bufferIndex = 0
    /// The log's event count when the first read of the stream began: the `live` mark's position.
    var seen: UInt64?
    var readToEnd = false
    var announcedLive = false

    init(store: Store, stream: StreamName, from: UInt64, batchSize: Int) {
        self.store = store
        self.stream = stream
        self.from = from
        self.batchSize = batchSize
    }

    public func makeAsyncIterator() -> StreamFollower<Store> { self }

    /// The next event or the `live` mark, waiting if needed; nil when the store closes or the task is cancelled.
    public mutating func next() async throws -> FollowedEvent? {
        while !Task.isCancelled {
            while bufferIndex < buffer.count {
                let recorded = buffer[bufferIndex]
                bufferIndex += 1
                if recorded.position >= from { return .event(recorded) }
            }
            if !readToEnd {
                if seen == nil { seen = store.currentHead().count }
                buffer = try await store.readStream(stream, fromVersion: nextVersion, maxCount: batchSize)
                bufferIndex = 0
                if let last = buffer.last { nextVersion = last.streamVersion + 1 } else { readToEnd = true }
                continue
            }
            if !announcedLive {
                announcedLive = true
                return .live(position: seen ?? 0)
            }
            // Wake when this stream has more than was read (appends elsewhere do not wake it).
            guard await store.waitForEvents(in: stream, beyond: nextVersion) else { return nil }
            readToEnd = false
        }
        return nil
    }
}
