public import EventLog
public import NetreachCore
public import Sodium
import Synchronization

/// The staff's period keys as this relay has read them from the log's `keys` feed (docs/KEYS.md,
/// "Period keys"). Read at the first question, after each `key.period` this relay stores, and again
/// whenever a wrap names a recipient it does not know (another relay on the same database may have
/// stored the key), so it never refuses a key it could have found.
public final class PeriodKeyBook: Sendable {
    public struct Entry: Sendable, Hashable {
        public let author: SigningPublicKey
        public let key: PeriodKey
        /// What a wrap names it by.
        public let keyID: [UInt8]
        /// The signed `key.period` event, as `GET /v1/keyring` serves it.
        public let event: [UInt8]
    }

    private struct State {
        var nextVersion: UInt64 = 0
        var lastRead: ContinuousClock.Instant?
        var entries: [Entry] = []
        var byKeyID: [[UInt8]: Int] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Every period key read so far, in log order.
    public var entries: [Entry] { state.withLock { $0.entries } }

    public func entry(keyID: [UInt8]) -> Entry? { state.withLock { state in state.byKeyID[keyID].map { state.entries[$0] } } }

    /// `refresh`, unless the feed was read less than `age` ago: for readers that may be a little
    /// late (the keyring's document), so that a busy log is not read on every request.
    public func refresh(from store: any EventStore, unlessReadWithin age: Duration) async throws(EventLogError) {
        let recent = state.withLock { state in state.lastRead.map { ContinuousClock.now - $0 < age } ?? false }
        if !recent { try await refresh(from: store) }
    }

    /// Reads what the feed holds past what was read before.
    public func refresh(from store: any EventStore) async throws(EventLogError) {
        state.withLock { $0.lastRead = ContinuousClock.now }
        let stream = try StreamName(ConversationID.keysFeed.streamName)
        while true {
            let from = state.withLock { $0.nextVersion }
            let batch = try await store.readStream(stream, fromVersion: from, maxCount: 1024)
            guard !batch.isEmpty else { return }
            state.withLock { state in
                for record in batch where record.streamVersion >= state.nextVersion {
                    state.nextVersion = record.streamVersion + 1
                    guard !record.isRedacted, let event = try? Event(previouslyVerifiedBytes: record.payload),
                          event.kind == .keyPeriod, let key = try? PeriodKey(content: event.content) else { continue }
                    let entry = Entry(author: event.author, key: key, keyID: key.keyID(staff: event.author), event: event.bytes)
                    guard state.byKeyID[entry.keyID] == nil else { continue }
                    state.byKeyID[entry.keyID] = state.entries.count
                    state.entries.append(entry)
                }
            }
        }
    }
}
