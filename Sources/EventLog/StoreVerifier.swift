/// What `StoreVerifier` found: the head it checked up to, and how many payloads were redacted.
public struct StoreVerification: Hashable, Sendable {
    public let head: LogHead
    public let redactedEvents: UInt64
}

/// Checks a whole log through the `EventStore` protocol, whatever keeps it (the PostgreSQL store;
/// the file store has `LogVerifier`, which also checks the bytes on disk): positions without gaps,
/// stream versions from 0 without gaps, unique event ids, each payload against its hash, and the
/// chain from the log's genesis to the head read when the check began. It changes nothing.
public enum StoreVerifier {
    public static func verify(_ store: some EventStore, batchSize: Int = 1_000) async throws(EventLogError) -> StoreVerification {
        let head = try await store.head()
        var chain = RecordCodec.genesis(logID: head.logID)
        var next: UInt64 = 0
        var versions: [StreamName: UInt64] = [:]
        var ids = Set<EventID>()
        var redacted: UInt64 = 0
        while next < head.count {
            let batch = try await store.read(from: next, maxCount: Int(min(UInt64(batchSize), head.count - next)))
            guard !batch.isEmpty else {
                throw EventLogError(code: .positionGap, "the log ends at position \(next), before its head (\(head.count) events)", position: next)
            }
            for event in batch {
                guard event.position == next else {
                    throw EventLogError(code: .positionGap, "position \(event.position) where \(next) was due", position: next)
                }
                let expected = versions[event.stream].map { $0 + 1 } ?? 0
                guard event.streamVersion == expected else {
                    throw EventLogError(code: .corruptRecord, "stream \(event.stream) has version \(event.streamVersion) where \(expected) was due",
                                        position: event.position)
                }
                guard ids.insert(event.id).inserted else {
                    throw EventLogError(code: .corruptRecord, "event id \(event.id) appears twice", position: event.position)
                }
                if event.isRedacted {
                    redacted += 1
                } else {
                    guard event.payload.count == event.payloadLength, RecordCodec.payloadHash(event.payload) == event.payloadHash else {
                        throw EventLogError(code: .corruptRecord, "the payload does not match its hash", position: event.position)
                    }
                }
                guard RecordCodec.chain(of: event, previous: chain) == event.chain else {
                    throw EventLogError(code: .brokenChain, "the chain breaks: the record is not what was written", position: event.position)
                }
                chain = event.chain
                versions[event.stream] = event.streamVersion
                next += 1
            }
        }
        guard chain == head.chain else {
            throw EventLogError(code: .brokenChain, "the chain of the records does not reach the head's", position: head.count == 0 ? nil : head.count - 1)
        }
        return StoreVerification(head: head, redactedEvents: redacted)
    }
}
