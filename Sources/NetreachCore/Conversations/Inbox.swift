/// The staff inbox: every conversation's summary, folded from the log in position order
/// (docs/READ-MODELS.md, "Inbox"). Pure and total: any sequence of events is accepted, and
/// events it cannot place (before their conversation's opening, repeated, or out of order) change nothing.
public struct Inbox: Hashable, Sendable {
    public private(set) var conversations: [ConversationID: ConversationSummary] = [:]
    /// The positions of each conversation's visitor messages, ascending, for unread counts.
    private var visitorMessagePositions: [ConversationID: [UInt64]] = [:]
    /// The position of the last event applied; events at or before it are replays and are ignored.
    public private(set) var lastPosition: UInt64?

    public init() {}

    /// Folds one event in.
    public mutating func apply(_ stored: StoredEvent) {
        if let lastPosition, stored.position <= lastPosition { return }
        lastPosition = stored.position
        let id = stored.conversation
        if stored.kind == .conversationOpened {
            if conversations[id] == nil && stored.isByVisitor { conversations[id] = ConversationSummary(opened: stored) }
            return
        }
        if stored.kind == .contentErased {
            applyErasure(stored)
            return
        }
        guard var summary = conversations[id] else { return }
        summary.version = stored.version
        summary.lastPosition = stored.position
        summary.lastActivityAt = stored.timeMilliseconds
        let byVisitor = stored.isByVisitor
        switch stored.kind {
        case .messagePosted where byVisitor:
            summary.messageCount += 1
            summary.visitorMessageCount += 1
            summary.lastVisitorMessageAt = stored.timeMilliseconds
            summary.lastVisitorMessagePosition = stored.position
            visitorMessagePositions[id, default: []].append(stored.position)
            if summary.state == .closed {
                summary.state = .waiting
                summary.waitingSince = stored.timeMilliseconds
                summary.claimedBy = nil
                summary.transferredTo = nil
                summary.reopenCount += 1
            }
        case .messagePosted:
            summary.messageCount += 1
            summary.lastStaffMessageAt = stored.timeMilliseconds
            summary.lastStaffMessagePosition = stored.position
        case .conversationClaimed where !byVisitor:
            summary.take(owner: stored.authorKeyID, transferred: false)
        case .conversationTransferred where !byVisitor:
            // The receiver is in the clear; a transfer too short to name one cannot be placed.
            if let receiver = try? KeyID(bytes: Array(stored.event.content.prefix(KeyID.count))) {
                summary.take(owner: receiver, transferred: true)
            }
        case .conversationClosed where !byVisitor:
            summary.state = .closed
            summary.waitingSince = nil
            summary.closedAt = stored.timeMilliseconds
            summary.closedBy = stored.authorKeyID
        case .noteAdded where !byVisitor:
            summary.noteCount += 1
            summary.lastNoteAt = stored.timeMilliseconds
        default:
            // key.wrapped, a second opening, or a staff kind signed by the visitor (which the relay refuses).
            break
        }
        conversations[id] = summary
    }

    /// A relay's erasure record: a conversation erased whole becomes `erased`, found again from the
    /// record's list when the replica no longer holds its opening; a partial erasure changes nothing.
    private mutating func applyErasure(_ stored: StoredEvent) {
        let id = stored.conversation
        guard !id.isFeed, let erased = try? ContentErased(content: stored.event.content) else { return }
        guard erased.rule.erasesWholeConversation else {
            // Its messages expired: it has been quiet for the whole retention time, so it is closed
            // (its close, if it had one, is among what went: the record keeps its time and author).
            guard var summary = conversations[id] else { return }
            summary.version = stored.version
            summary.lastPosition = stored.position
            if summary.state != .closed {
                let close = erased.entries.last { $0.kind == .conversationClosed }
                summary.state = .closed
                summary.waitingSince = nil
                summary.transferredTo = nil
                summary.closedAt = close?.timeMilliseconds ?? summary.closedAt ?? stored.timeMilliseconds
                summary.closedBy = close?.author ?? summary.closedBy
            }
            conversations[id] = summary
            return
        }
        let opened = conversations[id].map { ($0.openedAt, $0.openedPosition) }
            ?? erased.entries.first(where: { $0.kind == .conversationOpened }).map { ($0.timeMilliseconds, $0.position) }
        guard let opened else { return }
        conversations[id] = ConversationSummary(erased: id, openedAt: opened.0, openedPosition: opened.1, record: stored)
        visitorMessagePositions[id] = nil
    }

    /// Conversations whose content was erased, the latest erasure first.
    public func erased() -> [ConversationSummary] {
        conversations.values.filter { $0.state == .erased }.sorted { $0.lastPosition > $1.lastPosition }
    }

    /// Folds events in, in order.
    public mutating func apply(_ events: some Sequence<StoredEvent>) {
        for stored in events { apply(stored) }
    }

    public func summary(of id: ConversationID) -> ConversationSummary? { conversations[id] }

    /// Open conversations nobody has: the longest waiting first.
    public func waiting() -> [ConversationSummary] {
        conversations.values.filter { $0.state == .waiting }
            .sorted { ($0.waitingSince ?? $0.openedAt, $0.openedPosition) < ($1.waitingSince ?? $1.openedAt, $1.openedPosition) }
    }

    /// Open conversations `keyID` has: the most recently active first.
    public func mine(_ keyID: KeyID) -> [ConversationSummary] {
        recentFirst(conversations.values.filter { $0.state == .claimed && $0.claimedBy == keyID })
    }

    /// Open conversations other staff have: the most recently active first.
    public func others(_ keyID: KeyID) -> [ConversationSummary] {
        recentFirst(conversations.values.filter { $0.state == .claimed && $0.claimedBy != keyID })
    }

    /// Conversations closed at or after `since` (relay time, ms) and still closed: the latest close first.
    public func closed(since: UInt64) -> [ConversationSummary] {
        conversations.values.filter { $0.state == .closed && ($0.closedAt ?? 0) >= since }
            .sorted { ($0.closedAt ?? 0, $0.lastPosition) > ($1.closedAt ?? 0, $1.lastPosition) }
    }

    /// Visitor messages in `conversation` after `position` (nil: none read yet); 0 for an unknown conversation.
    public func unreadCount(conversation: ConversationID, readUpTo position: UInt64?) -> Int {
        guard let positions = visitorMessagePositions[conversation] else { return 0 }
        guard let position else { return positions.count }
        // The first index whose position is past `position`: the positions are ascending.
        var low = 0
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if positions[middle] <= position { low = middle + 1 } else { high = middle }
        }
        return positions.count - low
    }

    private func recentFirst(_ summaries: [ConversationSummary]) -> [ConversationSummary] {
        summaries.sorted { $0.lastPosition > $1.lastPosition }
    }
}

extension ConversationSummary {
    /// A claim or a transfer: `owner` has it now, open again if it was closed.
    mutating func take(owner: KeyID, transferred: Bool) {
        state = .claimed
        waitingSince = nil
        claimedBy = owner
        transferredTo = transferred ? owner : nil
    }
}
