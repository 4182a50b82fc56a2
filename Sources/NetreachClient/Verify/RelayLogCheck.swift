public import EventLog
public import NetreachCore
public import Sodium

/// Checks, on a supervisor's machine, that the relay's log is one unbroken hash chain that holds
/// exactly the events of the replica, that every checkpoint the relay signed in it is true, and that
/// it extends a checkpoint saved earlier (docs/READ-MODELS.md, "Verification"). Records are fed in
/// log order, a batch at a time; the first problem is kept with its position.
public struct RelayLogCheck: Sendable {
    public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
        public let position: UInt64?
        public let message: String
        public var description: String { position.map { "at position \($0): \(message)" } ?? message }
    }

    /// The key of the relay that sent the records.
    public let relayKey: SigningPublicKey
    /// The keys whose checkpoints are accepted: the relays the organisation certified (revoked ones
    /// too: what they signed is still checked against the chain), or, in a deployment that certifies
    /// none, the one relay's key.
    public let checkpointKeys: Set<SigningPublicKey>
    public private(set) var logID: LogID?
    /// Records checked so far; the next must have this position.
    public private(set) var count: UInt64 = 0
    /// Every record's chain value, by position: checkpoints name earlier ones.
    private var chains: [Digest32] = []
    public private(set) var checkpoints: [Checkpoint] = []
    public private(set) var problem: Problem?
    private let replica: [UInt64: StoredEvent]
    /// Replica events found in the relay's records so far.
    private var matched = 0
    /// The events the relay erased (docs/PRIVACY.md): each must be listed by an erasure record the relay signed.
    public private(set) var erasedEvents: Set<UInt64> = []
    /// What the relay's erasure records (`content.erased`, held in the replica) list, and how many there are.
    public let listedAsErased: Set<UInt64>
    public let erasureRecords: Int
    /// Events an erasure record lists that the relay's log still holds: an erasure a crash interrupted,
    /// which the relay's next sweep finishes (not a break of the log, but worth saying).
    public var listedNotYetErased: Int { listedAsErased.subtracting(erasedEvents).filter { $0 < count }.count }

    /// `replica`: the events the supervisor's replica holds, by relay position. `certifiedRelays`:
    /// every relay key of the keyring's relay certificates (docs/KEYS.md, "Relay certificate").
    public init(relayKey: SigningPublicKey, certifiedRelays: Set<SigningPublicKey> = [], replica: [StoredEvent]) {
        self.relayKey = relayKey
        checkpointKeys = certifiedRelays.isEmpty ? [relayKey] : certifiedRelays
        self.replica = Dictionary(replica.map { ($0.position, $0) }, uniquingKeysWith: { first, _ in first })
        var listed: Set<UInt64> = []
        var records = 0
        for stored in replica where stored.kind == .contentErased {
            records += 1
            guard checkpointKeys.contains(stored.event.author), let erased = try? ContentErased(content: stored.event.content) else { continue }
            listed.formUnion(erased.entries.map(\.position))
        }
        listedAsErased = listed
        erasureRecords = records
    }

    public var isIntact: Bool { problem == nil }

    /// The chain value after the records checked so far.
    public var chain: Digest32? { chains.last ?? logID.map(RecordCodec.genesis(logID:)) }

    /// Checks the next records, which must continue from `count`. Does nothing once a problem was found.
    public mutating func check(_ records: [RecordedEvent], logID: LogID) {
        guard problem == nil else { return }
        if self.logID == nil { self.logID = logID }
        guard self.logID == logID else { return fail(nil, "the relay's log id changed from \(self.logID!) to \(logID): this is another log") }
        for record in records {
            guard record.position == count else {
                return fail(count, "the relay sent position \(record.position) where \(count) was due: an event is missing or out of order")
            }
            let previous = chains.last ?? RecordCodec.genesis(logID: logID)
            guard RecordCodec.chain(of: record, previous: previous) == record.chain else {
                return fail(record.position, "the chain breaks: this record is not what the log held before (altered, removed or reordered)")
            }
            if let problem = checkContent(record) { return fail(record.position, problem) }
            chains.append(record.chain)
            count += 1
        }
    }

    /// Checks that the relay's head is where the records end, and that no event of the replica is missing from them.
    public mutating func finish(head: LogHead) {
        guard problem == nil else { return }
        if matched < replica.count {
            let missing = replica.keys.filter { $0 >= count }.min()
            return fail(missing, "your replica holds \(replica.count - matched) event(s) that the relay's log no longer has: history was removed or replaced")
        }
        if let unlisted = erasedEvents.subtracting(listedAsErased).min() {
            return fail(unlisted, "the relay erased \(erasedEvents.subtracting(listedAsErased).count) event(s) that no erasure record of a relay of "
                        + "this deployment lists: content was removed without the record the retention rules require")
        }
        guard head.logID == logID ?? head.logID, head.count == count, head.chain == (chain ?? RecordCodec.genesis(logID: head.logID)) else {
            return fail(nil, "the relay's head (\(head)) is not where its records end (count \(count))")
        }
    }

    /// Whether the log checked so far extends `saved`: signed by this deployment's relay (one of its
    /// certified relays), of this log, and with the same chain value at its last event.
    public func extends(_ saved: Checkpoint) -> Problem? {
        guard checkpointKeys.contains(saved.signer), saved.isValid else {
            return Problem(position: nil, message: checkpointKeys.count == 1 ? "the saved checkpoint is not signed by this relay's key"
                           : "the saved checkpoint is not signed by a relay the organisation certified")
        }
        guard saved.head.logID == logID else { return Problem(position: nil, message: "the saved checkpoint is of another log") }
        guard saved.head.count <= count else {
            return Problem(position: nil, message: "the log has \(count) events, fewer than the saved checkpoint's \(saved.head.count): history was removed")
        }
        let chain = saved.head.count == 0 ? RecordCodec.genesis(logID: saved.head.logID) : chains[Int(saved.head.count - 1)]
        guard chain == saved.head.chain else {
            return Problem(position: saved.head.count == 0 ? nil : saved.head.count - 1,
                           message: "the log's history differs from the saved checkpoint's: it was rewritten or forked")
        }
        return nil
    }

    private mutating func checkContent(_ record: RecordedEvent) -> String? {
        let stream = record.stream.value
        if stream == "system" {
            guard record.type.value == "checkpoint.signed" else { return nil }
            return checkCheckpoint(record)
        }
        guard stream.hasPrefix("conv:") || ConversationID.feedStreamNames.contains(stream)
        else { return nil }
        if record.isRedacted {
            // Erased: the chain still covers its hash; the replica must have let it go too.
            guard replica[record.position] == nil else {
                return "the relay erased this event but your replica still holds it: run the command again to catch up"
            }
            erasedEvents.insert(record.position)
            return nil
        }
        guard let held = replica[record.position] else {
            return "the replica has no event at this position, which the relay's log has (\(record.type.value) in \(stream))"
        }
        let bytes = held.event.bytes
        guard (try? Digest32(GenericHash.hash(bytes, outputCount: 32))) == record.payloadHash else {
            return "the event the replica holds here is not the one in the relay's log"
        }
        if held.kind == .contentErased, !checkpointKeys.contains(held.event.author) {
            return "an erasure record (content.erased) signed by a key that is not a relay of this deployment"
        }
        guard held.event.conversation.streamName == stream, held.kind.name == record.type.value, held.event.id == record.id.bytes,
              held.event.author.keyIDBytes == record.author.bytes, held.version == record.streamVersion,
              held.timeMilliseconds == record.timeMilliseconds else {
            return "the replica and the relay disagree on this event's stream, kind, id, author, version or time"
        }
        matched += 1
        return nil
    }

    private mutating func checkCheckpoint(_ record: RecordedEvent) -> String? {
        let payload = record.payload
        let prefix = Array("netreach/v1/log-checkpoint".utf8) + [0]
        guard payload.count == prefix.count + 16 + 8 + 32 + 64, Array(payload.prefix(prefix.count)) == prefix else {
            return record.isRedacted ? nil : "a checkpoint record that does not read"
        }
        var at = prefix.count
        guard let logID = try? LogID(payload[at..<at + 16]) else { return "a checkpoint record that does not read" }
        at += 16
        let count = payload[at..<at + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        at += 8
        guard let chain = try? Digest32(payload[at..<at + 32]), let signature = try? Signature(Array(payload[(at + 32)...])) else {
            return "a checkpoint record that does not read"
        }
        // The signer is named by the record's author (its key id); it must be a key this check accepts.
        guard let signer = checkpointKeys.first(where: { $0.keyIDBytes == record.author.bytes }) else {
            return checkpointKeys.count == 1 ? "a checkpoint that this relay's key did not sign (forged)"
                : "a checkpoint signed by a key that is not one of the relays the organisation certified (forged)"
        }
        guard let checkpoint = try? Checkpoint(head: LogHead(logID: logID, count: count, chain: chain), signer: signer, signature: signature)
        else { return "a checkpoint that its relay's key did not sign (forged)" }
        guard logID == self.logID, count <= record.position else { return "a checkpoint of another log, or of a longer history" }
        let expected = count == 0 ? RecordCodec.genesis(logID: logID) : chains[Int(count - 1)]
        guard expected == chain else { return "a signed checkpoint that the log before it does not match: history was rewritten" }
        checkpoints.append(checkpoint)
        return nil
    }

    private mutating func fail(_ position: UInt64?, _ message: String) {
        problem = Problem(position: position, message: message)
    }
}

extension SigningPublicKey {
    /// The 16-byte key id the log records as the author.
    var keyIDBytes: [UInt8] { KeyID(self).bytes }
}
