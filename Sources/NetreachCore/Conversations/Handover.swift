/// What the next shift needs from the inbox (docs/READ-MODELS.md, "Handover"). Notes flagged for
/// handover are sealed: `recentNotes` names the conversations to decrypt with `Transcript`.
public struct Handover: Hashable, Sendable {
    public static let day: UInt64 = 24 * 60 * 60 * 1000

    /// Waiting conversations (longest waiting first), then claimed ones (most recently active first).
    public let open: [ConversationSummary]
    /// Open conversations whose visitor wrote last: the longest unanswered first.
    public let unanswered: [ConversationSummary]
    /// Conversations closed within the window: the latest first.
    public let closedRecently: [ConversationSummary]
    /// Conversations with a note within the window: the latest note first.
    public let recentNotes: [ConversationSummary]

    /// The handover at `now` (relay time, ms), looking back `window` (a day unless given).
    public init(inbox: Inbox, now: UInt64, window: UInt64 = Handover.day) {
        let start = now >= window ? now - window : 0
        let claimed = inbox.conversations.values.filter { $0.state == .claimed }.sorted { $0.lastPosition > $1.lastPosition }
        open = inbox.waiting() + claimed
        unanswered = open.filter(\.unanswered)
            .sorted { ($0.lastVisitorMessageAt ?? 0, $0.lastPosition) < ($1.lastVisitorMessageAt ?? 0, $1.lastPosition) }
        closedRecently = inbox.closed(since: start)
        recentNotes = inbox.conversations.values.filter { ($0.lastNoteAt ?? 0) >= start && $0.lastNoteAt != nil }
            .sorted { ($0.lastNoteAt ?? 0, $0.lastPosition) > ($1.lastNoteAt ?? 0, $1.lastPosition) }
    }
}
