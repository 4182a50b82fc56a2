/// Per staff key, what they did: a pure fold of the log like the inbox (docs/READ-MODELS.md,
/// "Staff activity"). Events before `since` (relay time) are not counted, for windows such as
/// "this shift"; events at or before the last applied position are replays and are ignored.
public struct StaffActivity: Hashable, Sendable {
    /// Events earlier than this relay time (ms) are not counted.
    public let since: UInt64
    private var records: [KeyID: StaffActivityRecord] = [:]
    public private(set) var lastPosition: UInt64?

    public init(since: UInt64 = 0) { self.since = since }

    public mutating func apply(_ stored: StoredEvent) {
        if let lastPosition, stored.position <= lastPosition { return }
        lastPosition = stored.position
        // Visitors are not staff; the opening is always the visitor's.
        guard stored.timeMilliseconds >= since, stored.kind != .conversationOpened, !stored.isByVisitor else { return }
        let author = stored.authorKeyID
        var record = records[author] ?? StaffActivityRecord(keyID: author)
        record.lastActivityAt = stored.timeMilliseconds
        switch stored.kind {
        case .messagePosted: record.messagesSent += 1
        case .conversationClaimed: record.claims += 1
        case .conversationClosed: record.closes += 1
        case .noteAdded: record.notes += 1
        case .keyWrapped, .keyRotated: record.keysShared += 1
        case .conversationTransferred:
            record.transfersOut += 1
            if let receiver = try? KeyID(bytes: Array(stored.event.content.prefix(KeyID.count))) {
                if receiver == author {
                    record.transfersIn += 1
                } else {
                    records[receiver, default: StaffActivityRecord(keyID: receiver)].transfersIn += 1
                }
            }
        case .incidentReported, .consentChanged: record.incidentRecords += 1
        case .incidentShared: record.incidentsShared += 1
        case .alertPublished: record.alertsPublished += 1
        case .conversationOpened, .feedbackGiven, .erasureRequested, .contentErased, .policySet, .figuresSealed, .keyPeriod: break
        }
        records[author] = record
    }

    public mutating func apply(_ events: some Sequence<StoredEvent>) {
        for stored in events { apply(stored) }
    }

    /// What `keyID` did; nil if nothing was counted for them.
    public func activity(of keyID: KeyID) -> StaffActivityRecord? { records[keyID] }

    /// Everyone with counted activity, by key id.
    public var all: [StaffActivityRecord] { records.values.sorted { $0.keyID < $1.keyID } }
}
