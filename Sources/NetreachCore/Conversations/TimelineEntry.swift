/// One event of a conversation's timeline: what happened, when and by whom, without decrypting
/// anything. What the protocol leaves in the clear (who a transfer went to, whom keys were
/// wrapped to) is included, for audits.
public struct TimelineEntry: Hashable, Sendable {
    public enum Detail: Hashable, Sendable {
        case none
        /// The key ids the conversation key was wrapped to in `conversation.opened`.
        case opened(recipients: [KeyID])
        /// The key ids a `key.wrapped` wraps its key to.
        case keysWrapped(purpose: KeyWrapped.Purpose, recipients: [KeyID])
        /// The key ids a `key.rotated` wraps its new key to (the visitor's among them for purpose 1).
        case keysRotated(purpose: KeyWrapped.Purpose, recipients: [KeyID])
        case transferred(to: KeyID)
        /// The content does not have its kind's layout.
        case malformed
    }

    public let position: UInt64
    public let version: UInt64
    public let timeMilliseconds: UInt64
    public let kind: EventKind
    /// The author's key id (for the visitor, the id of its Ed25519 key).
    public let author: KeyID
    public let isByVisitor: Bool
    public let detail: Detail

    public init(_ stored: StoredEvent) {
        position = stored.position
        version = stored.version
        timeMilliseconds = stored.timeMilliseconds
        kind = stored.kind
        author = stored.authorKeyID
        isByVisitor = stored.isByVisitor
        detail = TimelineEntry.detail(of: stored.event)
    }

    private static func detail(of event: Event) -> Detail {
        func recipients(_ wraps: [Wrap]) -> [KeyID] { wraps.compactMap { try? KeyID(bytes: $0.recipient) } }
        switch event.kind {
        case .conversationOpened:
            guard let opened = try? ConversationOpened(content: event.content) else { return .malformed }
            return .opened(recipients: recipients(opened.wraps))
        case .keyWrapped:
            guard let wrapped = try? KeyWrapped(content: event.content) else { return .malformed }
            return .keysWrapped(purpose: wrapped.purpose, recipients: recipients(wrapped.wraps))
        case .keyRotated:
            guard let rotated = try? KeyRotated(content: event.content) else { return .malformed }
            return .keysRotated(purpose: rotated.purpose, recipients: recipients(rotated.wraps))
        case .conversationTransferred:
            guard let receiver = try? KeyID(bytes: Array(event.content.prefix(KeyID.count))) else { return .malformed }
            return .transferred(to: receiver)
        case .messagePosted, .conversationClaimed, .conversationClosed, .noteAdded, .incidentReported, .consentChanged,
             .incidentShared, .alertPublished, .feedbackGiven, .erasureRequested, .contentErased, .policySet, .figuresSealed, .keyPeriod:
            return .none
        }
    }
}
