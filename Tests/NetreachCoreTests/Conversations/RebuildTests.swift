import NetreachCore
import Testing

extension Conversations {
    /// The three folds at once, so one pass over a log builds them all.
    struct Projections: Equatable {
        var inbox = Inbox()
        var timeline = Timeline()
        var activity = StaffActivity()

        mutating func apply(_ events: some Sequence<StoredEvent>) {
            inbox.apply(events)
            timeline.apply(events)
            activity.apply(events)
        }

        /// Where two projections differ, briefly: printing 100 000 events' worth of state helps nobody.
        func difference(from other: Projections) -> String? {
            if inbox != other.inbox {
                let id = Set(inbox.conversations.keys).union(other.inbox.conversations.keys)
                    .first { inbox.summary(of: $0) != other.inbox.summary(of: $0) }
                return id.map { "the inbox differs at conversation \($0)" } ?? "the inbox's unread positions differ"
            }
            if timeline != other.timeline { return "the timeline differs" }
            if activity != other.activity { return "the staff activity differs" }
            return nil
        }
    }

    /// Serialized: these folds are seconds of CPU each on the shared test threads, and the other
    /// suites (real relays in the same process among them) need one of those threads meanwhile.
    @Suite("Rebuilding projections", .serialized)
    struct RebuildTests {
        static let seed: UInt64 = 0x6E65_7472_6561_6368
        static let log = try! LogGenerator.generate(eventCount: 100_000, seed: seed)

        @Test("a projection rebuilt from scratch equals one kept up incrementally, on a generated log of 100 000 events")
        func rebuiltEqualsIncremental() throws {
            let events = Self.log.events
            #expect(events.count >= 100_000)
            var rebuilt = Projections()
            rebuilt.apply(events)

            var rng = SeededGenerator(state: Self.seed ^ 1)
            var incremental = Projections()
            var start = 0
            var split: Projections?
            while start < events.count {
                let end = min(events.count, start + Int.random(in: 1...4_000, using: &rng))
                incremental.apply(events[start..<end])
                // What a client does between catch-up batches: query, and sometimes get a batch again after a reconnect.
                let me = LogGenerator.staff.randomElement(using: &rng)!.keyID
                for summary in incremental.inbox.mine(me).prefix(5) {
                    _ = incremental.inbox.unreadCount(conversation: summary.id, readUpTo: summary.lastPosition)
                }
                _ = incremental.inbox.waiting().first
                if rng.chance(20) { incremental.apply(events[max(0, start - 500)..<end]) }
                if split == nil && end >= events.count / 2 {
                    // A copy taken half-way goes on alone: the two must not share state.
                    split = incremental
                    let before = incremental
                    split?.apply(events[end...])
                    #expect(incremental.difference(from: before) == nil)
                }
                start = end
            }
            #expect(incremental.difference(from: rebuilt) == nil)
            #expect(try #require(split).difference(from: rebuilt) == nil)
            #expect(rebuilt.timeline.eventCount == events.count)
        }

        @Test("the generated log's own account of every conversation matches the inbox")
        func inboxMatchesGenerator() throws {
            var inbox = Inbox()
            inbox.apply(Self.log.events)
            #expect(inbox.conversations.count == Self.log.expected.count)
            #expect(Self.log.expected.count > 1_000)
            var mismatches = 0
            for (id, expected) in Self.log.expected {
                guard let summary = inbox.summary(of: id) else {
                    mismatches += 1
                    continue
                }
                let seen = GeneratedLog.Expected(state: summary.state, owner: summary.state == .waiting ? nil : summary.claimedBy,
                                                 closedBy: summary.closedBy, messages: summary.messageCount,
                                                 visitorMessages: summary.visitorMessageCount, notes: summary.noteCount,
                                                 reopens: summary.reopenCount, version: summary.version)
                if seen != expected { mismatches += 1 }
            }
            #expect(mismatches == 0)
            let states = Set(inbox.conversations.values.map(\.state))
            #expect(states == Set(ConversationSummary.State.allCases), "the log exercises every state")
            #expect(inbox.conversations.values.contains { $0.reopenCount > 0 })
            #expect(inbox.conversations.values.contains { $0.transferredTo != nil })

            var activity = StaffActivity()
            activity.apply(Self.log.events)
            for (keyID, count) in Self.log.staffMessages { #expect(activity.activity(of: keyID)?.messagesSent == count) }
        }

        @Test("a fold that missed one event is not equal: the comparison can tell")
        func missingEventDiffers() throws {
            let events = Self.log.events
            var whole = Projections()
            whole.apply(events)
            var rng = SeededGenerator(state: Self.seed ^ 2)
            // A message always counts in the inbox; a key.wrapped mid-conversation would leave it unchanged.
            let messages = events.indices.filter { events[$0].kind == .messagePosted }
            for _ in 0..<3 {
                let skipped = messages.randomElement(using: &rng)!
                var partial = Projections()
                partial.apply(events[..<skipped])
                partial.apply(events[(skipped + 1)...])
                let inboxDiffers = partial.inbox != whole.inbox
                let timelineDiffers = partial.timeline != whole.timeline
                #expect(inboxDiffers && timelineDiffers, "skipping position \(events[skipped].position) went unnoticed")
            }
        }
    }
}
