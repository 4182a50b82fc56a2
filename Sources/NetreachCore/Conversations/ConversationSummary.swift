/// One conversation as the inbox sees it: who has it, what state it is in, and when things
/// happened. Times are the relay's, in milliseconds since 1970. No plaintext.
public struct ConversationSummary: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Open and nobody has claimed it (or the visitor came back after a close).
        case waiting
        /// Open and a staff member has it (`claimedBy`).
        case claimed
        case closed
        /// Its content was erased (the visitor deleted it, a supervisor ordered it, or it expired):
        /// nothing of it can be read or answered any more (docs/PRIVACY.md).
        case erased
    }

    public let id: ConversationID
    public internal(set) var state: State
    public internal(set) var openedAt: UInt64
    /// The log position of `conversation.opened`.
    public internal(set) var openedPosition: UInt64
    /// Since when it has been waiting: its opening, or the visitor message that reopened it. Nil unless waiting.
    public internal(set) var waitingSince: UInt64?
    public internal(set) var lastActivityAt: UInt64
    public internal(set) var lastVisitorMessageAt: UInt64?
    public internal(set) var lastStaffMessageAt: UInt64?
    /// The owner: the last to claim it, or the receiver of the last transfer. Cleared when a visitor reopens it.
    public internal(set) var claimedBy: KeyID?
    /// The receiver of the last transfer, until someone claims it or a visitor reopens it.
    public internal(set) var transferredTo: KeyID?
    /// The last close; kept when the visitor's return reopens the conversation.
    public internal(set) var closedAt: UInt64?
    public internal(set) var closedBy: KeyID?
    public internal(set) var messageCount: Int
    public internal(set) var visitorMessageCount: Int
    public internal(set) var noteCount: Int
    public internal(set) var lastNoteAt: UInt64?
    /// How many times a visitor's message reopened it after a close.
    public internal(set) var reopenCount: Int
    /// The stream version of the last event: pass it as `expect` to append after it (a claim).
    public internal(set) var version: UInt64
    /// The log position of the last event.
    public internal(set) var lastPosition: UInt64
    var lastVisitorMessagePosition: UInt64?
    var lastStaffMessagePosition: UInt64?

    init(opened stored: StoredEvent) {
        id = stored.conversation
        state = .waiting
        openedAt = stored.timeMilliseconds
        openedPosition = stored.position
        waitingSince = stored.timeMilliseconds
        lastActivityAt = stored.timeMilliseconds
        messageCount = 0
        visitorMessageCount = 0
        noteCount = 0
        reopenCount = 0
        version = stored.version
        lastPosition = stored.position
    }

    /// The canonical summary of an erased conversation: the same whether the replica still held its
    /// opening when the erasure arrived or had already lost it (docs/READ-MODELS.md, "Erasure").
    init(erased id: ConversationID, openedAt: UInt64, openedPosition: UInt64, record: StoredEvent) {
        self.id = id
        state = .erased
        self.openedAt = openedAt
        self.openedPosition = openedPosition
        lastActivityAt = record.timeMilliseconds
        messageCount = 0
        visitorMessageCount = 0
        noteCount = 0
        reopenCount = 0
        version = record.version
        lastPosition = record.position
    }

    /// Whether the visitor wrote after the last staff message (or no staff member has written yet).
    public var unanswered: Bool {
        guard let visitor = lastVisitorMessagePosition else { return false }
        return lastStaffMessagePosition.map { visitor > $0 } ?? true
    }

    /// Whether it is not closed (nor erased).
    public var isOpen: Bool { state != .closed && state != .erased }
}
