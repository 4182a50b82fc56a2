/// Every conversation's events in log order, undecrypted: the audit view (docs/READ-MODELS.md,
/// "Timeline"). Unlike the inbox it records every event, even one whose conversation was never
/// opened, because an audit must show what is in the log. Events at or before the last applied
/// position are replays and are ignored.
public struct Timeline: Hashable, Sendable {
    private var entries: [ConversationID: [TimelineEntry]] = [:]
    public private(set) var lastPosition: UInt64?

    public init() {}

    public mutating func apply(_ stored: StoredEvent) {
        if let lastPosition, stored.position <= lastPosition { return }
        lastPosition = stored.position
        entries[stored.conversation, default: []].append(TimelineEntry(stored))
    }

    public mutating func apply(_ events: some Sequence<StoredEvent>) {
        for stored in events { apply(stored) }
    }

    /// The conversation's events in log order; empty for a conversation with none.
    public func entries(of conversation: ConversationID) -> [TimelineEntry] { entries[conversation] ?? [] }

    /// Every conversation with at least one event, the first to appear in the log first.
    public var conversations: [ConversationID] {
        entries.sorted { ($0.value.first?.position ?? 0) < ($1.value.first?.position ?? 0) }.map(\.key)
    }

    /// The number of events applied.
    public var eventCount: Int { entries.values.reduce(0) { $0 + $1.count } }
}
