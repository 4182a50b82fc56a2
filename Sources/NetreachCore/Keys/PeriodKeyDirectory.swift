public import Sodium

/// The period keys of the keys feed that a reader trusts (docs/KEYS.md, "Period keys"): those whose
/// author is an active member of the keyring; and, for each member, the key to wrap to now.
public struct PeriodKeyDirectory: Sendable {
    public struct Published: Sendable, Hashable {
        public let author: SigningPublicKey
        public let key: PeriodKey
        public let keyID: [UInt8]
        public let position: UInt64
    }

    /// Trusted period keys, in log order.
    public let published: [Published]
    private let byKeyID: [[UInt8]: Published]

    /// From events of the keys feed (others are skipped), keeping those of active members of `keyring`.
    public init(events: [StoredEvent], keyring: Keyring) {
        var published: [Published] = []
        for stored in events where stored.kind == .keyPeriod && stored.conversation == .keysFeed {
            guard keyring.member(signKey: stored.event.author) != nil, let key = try? PeriodKey(content: stored.event.content) else { continue }
            published.append(Published(author: stored.event.author, key: key, keyID: key.keyID(staff: stored.event.author),
                                       position: stored.position))
        }
        self.published = published
        byKeyID = Dictionary(published.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The member's period key in force at `time` (milliseconds): the latest-starting one that covers it.
    public func inForce(for author: SigningPublicKey, at time: UInt64) -> Published? {
        published.filter { $0.author == author && $0.key.covers(time) }.max { $0.key.start < $1.key.start }
    }

    /// What to wrap a key to for `member` at `time`: their period key in force, else their enrolled key.
    public func recipient(for member: EnrolledStaff, at time: UInt64) -> (id: [UInt8], box: BoxPublicKey) {
        inForce(for: member.signKey, at: time).map { ($0.keyID, $0.key.boxKey) } ?? (member.keyID.bytes, member.boxKey)
    }

    /// The trusted period key with this id.
    public func published(keyID: [UInt8]) -> Published? { byKeyID[keyID] }

    /// Whether `recipient` names `member`: their enrolled key id or one of their period keys.
    public func names(_ member: EnrolledStaff, _ recipient: [UInt8]) -> Bool {
        recipient == member.keyID.bytes || byKeyID[recipient]?.author == member.signKey
    }
}
