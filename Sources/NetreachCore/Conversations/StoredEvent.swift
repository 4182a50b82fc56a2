/// An event as the staff client's replica holds it: the signed event and where the relay put it
/// (docs/READ-MODELS.md). Projections fold these in position order.
public struct StoredEvent: Hashable, Sendable {
    /// The event's position in the relay's log: unique and increasing across all conversations.
    public let position: UInt64
    /// The event's version in its conversation's stream: 0 for `conversation.opened`, then 1, 2, …
    public let version: UInt64
    /// The relay's time for the event, milliseconds since 1970.
    public let timeMilliseconds: UInt64
    public let event: Event

    public init(position: UInt64, version: UInt64, timeMilliseconds: UInt64, event: Event) {
        self.position = position
        self.version = version
        self.timeMilliseconds = timeMilliseconds
        self.event = event
    }

    public var conversation: ConversationID { event.conversation }

    public var kind: EventKind { event.kind }

    /// The key id of the event's author (for the visitor, the id of its Ed25519 key).
    public var authorKeyID: KeyID { KeyID(event.author) }

    /// Whether the visitor of the conversation wrote it: its key derives the conversation id, the
    /// same rule the relay applies before it accepts a visitor's event (docs/PROTOCOL.md).
    public var isByVisitor: Bool { ConversationID(visitor: event.author) == event.conversation }
}
