import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Inbox")
    struct InboxTests {
        func inbox(_ log: TestLog) -> Inbox {
            var inbox = Inbox()
            inbox.apply(log.events)
            return inbox
        }

        @Test("an opened conversation waits, and a claim makes it the claimer's at the claim's version")
        func openThenClaim() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice, Cast.bob])
            try script.visitorSays("hi")
            var summary = try #require(inbox(log).summary(of: script.conversation))
            #expect(summary.state == .waiting)
            #expect(summary.claimedBy == nil)
            #expect(summary.version == 1)
            #expect(inbox(log).waiting().map(\.id) == [script.conversation])
            let claim = try script.claim(by: Cast.alice)
            let claimed = inbox(log)
            summary = try #require(claimed.summary(of: script.conversation))
            #expect(summary.state == .claimed)
            #expect(summary.claimedBy == Cast.alice.keyID)
            #expect(summary.version == claim.version)
            #expect(summary.lastPosition == claim.position)
            #expect(claimed.waiting().isEmpty)
            #expect(claimed.mine(Cast.alice.keyID).map(\.id) == [script.conversation])
            #expect(claimed.others(Cast.bob.keyID).map(\.id) == [script.conversation])
            #expect(claimed.mine(Cast.bob.keyID).isEmpty)
        }

        @Test("waiting conversations come oldest first")
        func waitingOrder() throws {
            let log = TestLog()
            let first = try Script(log: log, wrappedTo: [Cast.alice])
            let second = try Script(log: log, wrappedTo: [Cast.alice])
            let third = try Script(log: log, wrappedTo: [Cast.alice])
            try first.visitorSays("later activity does not change the order")
            #expect(inbox(log).waiting().map(\.id) == [first.conversation, second.conversation, third.conversation])
        }

        @Test("a transfer makes the receiver the owner")
        func transfer() throws {
            let log = TestLog()
            var script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.claim(by: Cast.alice)
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
            try script.transfer(from: Cast.alice, to: Cast.bob, note: "over to you")
            let result = inbox(log)
            let summary = try #require(result.summary(of: script.conversation))
            #expect(summary.claimedBy == Cast.bob.keyID)
            #expect(summary.transferredTo == Cast.bob.keyID)
            #expect(result.mine(Cast.bob.keyID).count == 1)
            #expect(result.mine(Cast.alice.keyID).isEmpty)
            #expect(result.others(Cast.alice.keyID).count == 1)
        }

        @Test("a later claim by someone else takes over (a supervisor's takeover)")
        func takeover() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.claim(by: Cast.alice)
            try script.claim(by: Cast.dave)
            let summary = try #require(inbox(log).summary(of: script.conversation))
            #expect(summary.claimedBy == Cast.dave.keyID)
            #expect(summary.transferredTo == nil)
        }

        @Test("a close ends it and lists it as closed; the visitor's return reopens it as waiting")
        func closeAndReturn() throws {
            let log = TestLog()
            var script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.claim(by: Cast.alice)
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            let close = try script.close(by: Cast.alice, sampleWrapUp)
            let closed = inbox(log)
            var summary = try #require(closed.summary(of: script.conversation))
            #expect(summary.state == .closed)
            #expect(summary.closedAt == close.timeMilliseconds)
            #expect(summary.closedBy == Cast.alice.keyID)
            #expect(closed.closed(since: close.timeMilliseconds).map(\.id) == [script.conversation])
            #expect(closed.closed(since: close.timeMilliseconds + 1).isEmpty)
            #expect(closed.mine(Cast.alice.keyID).isEmpty)

            let back = try script.visitorSays("it's me again")
            summary = try #require(inbox(log).summary(of: script.conversation))
            #expect(summary.state == .waiting)
            #expect(summary.waitingSince == back.timeMilliseconds)
            #expect(summary.claimedBy == nil)
            #expect(summary.closedAt == close.timeMilliseconds)
            #expect(summary.reopenCount == 1)
            #expect(inbox(log).closed(since: 0).isEmpty)
        }

        @Test("a staff message after the close does not reopen it")
        func staffAfterClose() throws {
            let log = TestLog()
            var script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.close(by: Cast.alice, sampleWrapUp)
            try script.says(Cast.alice, "take care")
            #expect(inbox(log).summary(of: script.conversation)?.state == .closed)
        }

        @Test("unanswered is a visitor message after the last staff message; unread counts follow the read position")
        func unansweredAndUnread() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice])
            #expect(inbox(log).summary(of: script.conversation)?.unanswered == false)
            let first = try script.visitorSays("one")
            try script.visitorSays("two")
            var result = inbox(log)
            #expect(result.summary(of: script.conversation)?.unanswered == true)
            #expect(result.unreadCount(conversation: script.conversation, readUpTo: nil) == 2)
            #expect(result.unreadCount(conversation: script.conversation, readUpTo: first.position) == 1)
            let reply = try script.says(Cast.alice, "hello")
            result = inbox(log)
            let summary = try #require(result.summary(of: script.conversation))
            #expect(!summary.unanswered)
            #expect(summary.messageCount == 3)
            #expect(summary.visitorMessageCount == 2)
            #expect(summary.lastStaffMessageAt == reply.timeMilliseconds)
            #expect(result.unreadCount(conversation: script.conversation, readUpTo: reply.position) == 0)
            try script.visitorSays("three")
            result = inbox(log)
            #expect(result.summary(of: script.conversation)?.unanswered == true)
            #expect(result.unreadCount(conversation: script.conversation, readUpTo: reply.position) == 1)
            #expect(result.unreadCount(conversation: try ConversationID([UInt8](repeating: 0, count: 16)), readUpTo: nil) == 0)
        }

        @Test("events it cannot place change nothing: before the opening, replays, a second opening, staff kinds by the visitor")
        func unplaceable() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice])
            let claim = try script.claim(by: Cast.alice)
            var inbox = Inbox()
            inbox.apply(claim)  // before its opening: ignored, and it is now in the past
            inbox.apply(script.events)
            #expect(inbox.summary(of: script.conversation) == nil)

            var fresh = Inbox()
            fresh.apply(script.events)
            let before = fresh
            fresh.apply(script.events)  // a replay after a reconnect
            #expect(fresh == before)
            let reopening = try script.append(.conversationOpened, [], by: script.visitor)
            let visitorClaim = try script.append(.conversationClaimed, [], by: script.visitor)
            fresh.apply([reopening, visitorClaim])
            let summary = try #require(fresh.summary(of: script.conversation))
            #expect(summary.claimedBy == Cast.alice.keyID)
            #expect(summary.openedPosition == script.events[0].position)
            #expect(summary.version == visitorClaim.version)
        }

        @Test("a transfer too short to name its receiver keeps the owner but moves the version")
        func malformedTransfer() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.claim(by: Cast.alice)
            let bad = try script.append(.conversationTransferred, [1, 2, 3], by: Cast.alice.signing)
            let summary = try #require(inbox(log).summary(of: script.conversation))
            #expect(summary.claimedBy == Cast.alice.keyID)
            #expect(summary.version == bad.version)
        }
    }
}
