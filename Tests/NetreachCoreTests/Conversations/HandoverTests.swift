import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Handover")
    struct HandoverTests {
        @Test("the handover lists open, unanswered, recently closed and recently noted conversations")
        func handover() throws {
            let log = TestLog()
            let waiting = try Script(log: log, wrappedTo: [Cast.alice])
            try waiting.visitorSays("anyone?")
            var answered = try Script(log: log, wrappedTo: [Cast.alice])
            try answered.claim(by: Cast.alice)
            try answered.visitorSays("hi")
            try answered.says(Cast.alice, "hello")
            try answered.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try answered.note(by: Cast.alice, "handover: call back tomorrow")
            var closed = try Script(log: log, wrappedTo: [Cast.bob])
            try closed.shareStaffKey(from: Cast.bob, to: [Cast.bob])
            let close = try closed.close(by: Cast.bob, sampleWrapUp)
            var inbox = Inbox()
            inbox.apply(log.events)

            let now = close.timeMilliseconds + 60_000
            let handover = Handover(inbox: inbox, now: now)
            #expect(handover.open.map(\.id) == [waiting.conversation, answered.conversation])
            #expect(handover.unanswered.map(\.id) == [waiting.conversation])
            #expect(handover.closedRecently.map(\.id) == [closed.conversation])
            #expect(handover.recentNotes.map(\.id) == [answered.conversation])

            let nextDay = Handover(inbox: inbox, now: now + Handover.day)
            #expect(nextDay.closedRecently.isEmpty)
            #expect(nextDay.recentNotes.isEmpty)
            #expect(nextDay.open.count == 2)
        }
    }
}
