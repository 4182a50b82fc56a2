import EventLog
import Foundation
public import NetreachCore
public import Sodium

/// The staff machine's copy of the relay's log: ciphertext only, in an EventLog under
/// `$NETREACH_HOME/replica`. Each local record carries the relay's position, stream version and
/// time before the signed event's bytes, so the replica knows where to resume from its own last
/// record, with no side file that could disagree with it. Appends are idempotent by event id.
///
/// The log is opened for each operation and closed after it, so that a worker can keep `chat`
/// open in one terminal and run `inbox` in another: they take turns at the log's lock.
public final class LocalReplica: Sendable {
    /// position (8) ‖ version (8) ‖ relay time in ms (8), little-endian, then the event's bytes.
    static let headerCount = 24

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func close() async {}

    /// Runs `body` with the log open, waiting up to ~5 s for another netreach process to let go of it.
    func withStore<T>(_ body: (FileEventStore) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                let store = try FileEventStore(directory: directory)
                do {
                    let result = try await body(store)
                    await store.close()
                    return result
                } catch {
                    await store.close()
                    throw error
                }
            } catch let error as EventLogError where error.code == .locked && attempt < 25 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The relay position of the newest event held, or nil when the replica is empty.
    public func lastRelayPosition() async throws -> UInt64? {
        try await withStore { store in try await Self.lastPosition(in: store) }
    }

    /// Stores events received from the relay, in order; those already held are skipped. Each
    /// `content.erased` among them signed by one of `relayKeys` is applied at once: the events it
    /// lists are zeroed in this replica too (docs/PRIVACY.md). One signed by another key is kept
    /// but not applied (`netreach verify` reports it).
    public func append(_ events: [StoredEvent], relayKeys: Set<SigningPublicKey> = []) async throws {
        guard !events.isEmpty else { return }
        try await withStore { store in
            try await Self.append(events, to: store)
            for erasure in events where erasure.kind == .contentErased && relayKeys.contains(erasure.event.author) {
                try await Self.apply(erasure, to: store)
            }
        }
    }

    /// Zeroes, in the local log, the events an erasure record lists (by relay position); those
    /// already zeroed or never held are left as they are.
    private static func apply(_ erasure: StoredEvent, to store: FileEventStore) async throws {
        guard let erased = try? ContentErased(content: erasure.event.content) else { return }
        let positions = Set(erased.entries.map(\.position))
        let stream = try StreamName(erasure.event.conversation.streamName)
        var version: UInt64 = 0
        while true {
            let batch = try await store.readStream(stream, fromVersion: version, maxCount: 4096)
            guard let last = batch.last else { return }
            for recorded in batch where !recorded.isRedacted && recorded.payload.count >= 8 {
                let relayPosition = recorded.payload[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                if positions.contains(relayPosition) { try await store.redact(position: recorded.position) }
            }
            version = last.streamVersion + 1
        }
    }

    private static func append(_ events: [StoredEvent], to store: FileEventStore) async throws {
        for event in events {
            let stream = try StreamName(event.event.conversation.streamName)
            var payload: [UInt8] = []
            payload.reserveCapacity(headerCount + event.event.bytes.count)
            for value in [event.position, event.version, event.timeMilliseconds] {
                withUnsafeBytes(of: value.littleEndian) { payload += $0 }
            }
            payload += event.event.bytes
            let proposed = ProposedEvent(id: try EventID(event.event.id), type: try EventType(event.event.kind.name),
                                         author: KeyID(event.event.author).authorID, timeMilliseconds: event.timeMilliseconds,
                                         payload: payload)
            _ = try await store.append(to: stream, expectedVersion: .any, events: [proposed])
        }
    }

    /// Every event held, oldest first.
    public func allEvents() async throws -> [StoredEvent] {
        try await withStore { store in try await Self.readAll(from: store) }
    }

    /// One conversation's events, oldest first.
    public func events(of conversation: ConversationID) async throws -> [StoredEvent] {
        let stream = try StreamName(conversation.streamName)
        return try await withStore { store in try await Self.readStream(stream, from: store) }
    }


    private static func lastPosition(in store: FileEventStore) async throws -> UInt64? {
        // The last record is never an erased one (an erasure record follows what it erases), but a
        // replica must survive one: the last that still holds its event says where the relay is.
        var from = store.currentHead().count
        while from > 0 {
            let batch = try await store.readBackward(from: from - 1, maxCount: 64)
            if let last = batch.first(where: { !$0.isRedacted }) { return try decode(last).position }
            guard let oldest = batch.last, oldest.position > 0 else { return nil }
            from = oldest.position
        }
        return nil
    }

    private static func readAll(from store: FileEventStore) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        var next: UInt64 = 0
        while true {
            let batch = try await store.read(from: next, maxCount: 4096)
            guard let last = batch.last else { return events }
            // An erased event is gone: its relay's `content.erased` record, which stays, says what it was.
            for recorded in batch where !recorded.isRedacted { events.append(try decode(recorded)) }
            next = last.position + 1
        }
    }

    private static func readStream(_ stream: StreamName, from store: FileEventStore) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        var version: UInt64 = 0
        while true {
            let batch = try await store.readStream(stream, fromVersion: version, maxCount: 4096)
            guard let last = batch.last else { return events }
            for recorded in batch where !recorded.isRedacted { events.append(try decode(recorded)) }
            version = last.streamVersion + 1
        }
    }

    // Not inlined: Swift 6.3.1's optimiser crashes (signal 11 while splitting the coroutine) when it
    // inlines this into the async reading loops above, in a release build.
    @inline(never)
    static func decode(_ recorded: RecordedEvent) throws -> StoredEvent {
        let payload = recorded.payload
        guard payload.count > headerCount else { throw ReplicaError("replica record \(recorded.position) is too short") }
        func number(at offset: Int) -> UInt64 {
            payload[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        // Checked when it arrived from the relay (StaffSession.sync); the local log is hash-chained.
        let event = try Event(previouslyVerifiedBytes: Array(payload[headerCount...]))
        return StoredEvent(position: number(at: 0), version: number(at: 8), timeMilliseconds: number(at: 16), event: event)
    }
}

/// A replica record that does not decode: the local copy is damaged and should be rebuilt from the relay.
public struct ReplicaError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
