public import NetreachCore

/// The rule that keeps a mistyped id from reaching a colleague's visitor (docs/CLI.md, "A colleague's
/// conversation"): a conversation belongs to whoever claimed it or last received it by transfer, as the
/// log says in the clear, and staff act on a colleague's conversation only on purpose. The audit reads
/// the same rule back from the log, so an action on a colleague's conversation shows whoever took it
/// and whichever client they used.
public enum ColleagueRule {
    /// Who has the conversation after `events` (its own events, in position order); nil while it waits.
    public static func holder(of conversation: ConversationID, in events: [StoredEvent]) -> KeyID? {
        var inbox = Inbox()
        inbox.apply(events)
        return inbox.summary(of: conversation)?.claimedBy
    }

    /// Whether a note is a handover note: those are for the whole team, so anyone may add one to any conversation.
    public static func isHandoverNote(_ text: String) -> Bool {
        text.lowercased().hasPrefix("handover:")
    }

    /// Every staff action of `events` (any order) taken on a conversation that another staff member had
    /// at that moment: its log position, and who had it.
    public static func actionsOnColleagues(in events: [StoredEvent]) -> [UInt64: KeyID] {
        var inbox = Inbox()
        var found: [UInt64: KeyID] = [:]
        for stored in events.sorted(by: { $0.position < $1.position }) {
            if !stored.isByVisitor, stored.kind != .conversationOpened, stored.kind != .alertPublished,
               let holder = inbox.summary(of: stored.conversation)?.claimedBy, holder != stored.authorKeyID {
                found[stored.position] = holder
            }
            inbox.apply(stored)
        }
        return found
    }
}
