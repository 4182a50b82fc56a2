import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Timeline")
    struct TimelineTests {
        @Test("each conversation's events are listed in order with kind, author and what is in the clear")
        func entries() throws {
            let log = TestLog()
            var script = try Script(log: log, wrappedTo: [Cast.alice])
            let other = try Script(log: log, wrappedTo: [Cast.bob])
            try script.visitorSays("hi")
            try other.claim(by: Cast.bob)
            try script.claim(by: Cast.alice)
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
            try script.transfer(from: Cast.alice, to: Cast.bob, note: "yours")
            var timeline = Timeline()
            timeline.apply(log.events)
            let entries = timeline.entries(of: script.conversation)
            #expect(entries.map(\.kind) == [.conversationOpened, .messagePosted, .conversationClaimed, .keyWrapped,
                                            .conversationTransferred])
            #expect(entries.map(\.position) == script.events.map(\.position))
            #expect(entries.map(\.version) == [0, 1, 2, 3, 4])
            #expect(entries.map(\.isByVisitor) == [true, true, false, false, false])
            #expect(entries[2].author == Cast.alice.keyID)
            #expect(entries[0].detail == .opened(recipients: [Cast.alice.keyID, KeyID(script.visitor.publicKey)]))
            #expect(entries[3].detail == .keysWrapped(purpose: .staffKey, recipients: [Cast.alice.keyID, Cast.bob.keyID]))
            #expect(entries[4].detail == .transferred(to: Cast.bob.keyID))
            #expect(timeline.entries(of: other.conversation).count == 2)
            #expect(timeline.conversations == [script.conversation, other.conversation])
        }

        @Test("malformed contents are marked, replays are ignored, and orphans are kept for the audit")
        func oddEvents() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice])
            let bad = try script.append(.conversationTransferred, [1], by: Cast.alice.signing)
            var timeline = Timeline()
            timeline.apply(Array(log.events.dropFirst()))  // the opening is missing
            timeline.apply(log.events)  // replayed, and the opening now comes too late to place
            #expect(timeline.entries(of: script.conversation).map(\.position) == [bad.position])
            #expect(timeline.entries(of: script.conversation).first?.detail == .malformed)
        }
    }
}
