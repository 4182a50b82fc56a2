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

    /// Up to `maxCount` events from `position` backwards (`position` included), newest first.
    func readBackward(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent]

    /// Up to `maxCount` events of one stream from `version` onwards.
    func readStream(_ stream: StreamName, fromVersion version: UInt64,
                    maxCount: Int) async throws(EventLogError) -> [RecordedEvent]

    /// The version of the stream's last event; nil when the stream has none.
    func streamVersion(_ stream: StreamName) async throws(EventLogError) -> UInt64?

    /// The number of events and the chain value of the last one.
    func head() async throws(EventLogError) -> LogHead

    /// Destroys the payload of the event at `position`, keeping its hash so the chain still verifies.
    /// Returns false when it was already redacted.
    @discardableResult
    func redact(position: UInt64) async throws(EventLogError) -> Bool

    /// Suspends until the log holds more than `count` events; false when the store closes or the task is cancelled.
    func waitForEvents(beyond count: UInt64) async -> Bool

    /// Finishes queued appends, then closes. Later calls fail with `closed`.
    func close() async
}

extension EventStore {
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
