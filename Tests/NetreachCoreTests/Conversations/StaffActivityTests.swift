import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Staff activity")
    struct StaffActivityTests {
        @Test("each member's claims, messages, notes, transfers, closes and keys shared are counted")
        func counts() throws {
            let log = TestLog()
            var script = try Script(log: log, wrappedTo: [Cast.alice, Cast.bob])
            try script.visitorSays("hello")
            try script.claim(by: Cast.alice)
            try script.says(Cast.alice, "hi")
            try script.says(Cast.alice, "how can I help?")
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
            try script.note(by: Cast.alice, "n")
            try script.transfer(from: Cast.alice, to: Cast.bob, note: "t")
            let close = try script.close(by: Cast.bob, sampleWrapUp)
            var activity = StaffActivity()
            activity.apply(log.events)
            let alice = try #require(activity.activity(of: Cast.alice.keyID))
            #expect([alice.claims, alice.messagesSent, alice.notes, alice.transfersOut, alice.transfersIn, alice.closes,
                      alice.keysShared] == [1, 2, 1, 1, 0, 0, 1])
            let bob = try #require(activity.activity(of: Cast.bob.keyID))
            #expect([bob.claims, bob.messagesSent, bob.transfersIn, bob.closes] == [0, 0, 1, 1])
            #expect(bob.lastActivityAt == close.timeMilliseconds)
            #expect(activity.activity(of: KeyID(script.visitor.publicKey)) == nil)
            #expect(activity.all.map(\.keyID) == [Cast.alice.keyID, Cast.bob.keyID].sorted())
        }

        @Test("a window counts only events from its start")
        func window() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.says(Cast.alice, "before")
            let later = try script.says(Cast.alice, "after")
            var activity = StaffActivity(since: later.timeMilliseconds)
            activity.apply(log.events)
            #expect(activity.activity(of: Cast.alice.keyID)?.messagesSent == 1)
        }

        @Test("a receiver named only by a transfer has transfers in but no activity time")
        func receiverOnly() throws {
            let log = TestLog()
            var script = try Script(log: log, wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.transfer(from: Cast.alice, to: Cast.dave, note: "")
            var activity = StaffActivity()
            activity.apply(log.events)
            let dave = try #require(activity.activity(of: Cast.dave.keyID))
            #expect(dave.transfersIn == 1)
            #expect(dave.lastActivityAt == nil)
        }
    }
}
