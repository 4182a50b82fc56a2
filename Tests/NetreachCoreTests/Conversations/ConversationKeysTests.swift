import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Conversation keys")
    struct ConversationKeysTests {
        func resolve(_ script: Script, as member: Member) -> ConversationKeys {
            ConversationKeys.resolve(events: script.events, me: member.secrets, keyring: Cast.keyring)
        }

        @Test("the conversation key opens from the visitor's wrap in conversation.opened")
        func fromOpening() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.bob])
            let keys = resolve(script, as: Cast.bob)
            #expect(keys.conversationKey?.isEqual(to: script.conversationKey) == true)
            #expect(keys.conversationKeyProblem == nil)
            #expect(keys.conversation == script.conversation)
        }

        @Test("a key never wrapped to me is missing with the reason")
        func neverWrapped() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            let keys = resolve(script, as: Cast.bob)
            #expect(keys.conversationKey == nil)
            #expect(keys.conversationKeyProblem?.code == .notWrappedToMe)
            #expect(keys.conversationKeyProblem?.message.contains("never wrapped to your key") == true)
            #expect(keys.staffKey == nil)
            #expect(keys.staffKeyProblem?.code == .notWrappedToMe)
        }

        @Test("no staff key yet is its own reason")
        func noStaffKeyYet() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            let keys = resolve(script, as: Cast.alice)
            #expect(keys.staffKey == nil)
            #expect(keys.staffKeyProblem?.code == .noKey)
            #expect(keys.staffKeyProblem?.message.contains("no staff key") == true)
        }

        @Test("a key.wrapped purpose 1 from another worker gives the conversation key")
        func sharedByStaff() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.shareConversationKey(from: Cast.alice, to: [Cast.dave])
            let keys = resolve(script, as: Cast.dave)
            #expect(keys.conversationKey?.isEqual(to: script.conversationKey) == true)
        }

        @Test("wraps made by staff who were revoked since still open")
        func revokedAuthorStillOpens() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.carol])
            try script.shareConversationKey(from: Cast.carol, to: [Cast.bob])
            try script.shareStaffKey(from: Cast.carol, to: [Cast.carol, Cast.bob])
            #expect(Cast.keyring.member(signKey: Cast.carol.signing.publicKey) == nil)
            let keys = resolve(script, as: Cast.bob)
            #expect(keys.conversationKey?.isEqual(to: script.conversationKey) == true)
            #expect(keys.staffKey?.isEqual(to: try #require(script.staffKey)) == true)
            #expect(keys.problems.isEmpty)
        }

        @Test("a wrap to me that was altered does not open, and says so")
        func alteredWrap() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            var content = script.wrapped(.conversationKey, script.conversationKey, from: Cast.alice, to: [Cast.bob])
            content[content.count - 1] ^= 1
            try script.append(.keyWrapped, content, by: Cast.alice.signing)
            let keys = resolve(script, as: Cast.bob)
            #expect(keys.conversationKey == nil)
            #expect(keys.conversationKeyProblem?.code == .wrapDoesNotOpen)
            #expect(keys.conversationKeyProblem?.position == script.events.last?.position)
        }

        @Test("a wrap from a key outside the keyring is not trusted")
        func unknownAuthor() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.append(.keyWrapped, script.wrapped(.conversationKey, script.conversationKey, from: Cast.mallory,
                                                          to: [Cast.bob]), by: Cast.mallory.signing)
            let keys = resolve(script, as: Cast.bob)
            #expect(keys.conversationKey == nil)
            #expect(keys.conversationKeyProblem?.code == .unknownAuthor)
        }

        @Test("the staff key is the first purpose 2 event's; a later different one is reported and ignored")
        func firstStaffKeyWins() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.bob])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
            let first = try #require(script.staffKey)
            let later = try script.shareStaffKey(SecretBox.generateKey(), from: Cast.bob, to: [Cast.alice, Cast.bob])
            let keys = resolve(script, as: Cast.alice)
            #expect(keys.staffKey?.isEqual(to: first) == true)
            #expect(keys.problems.map(\.code) == [.conflictingKey])
            #expect(keys.problems.allSatisfy { $0.position == later.position })
        }

        @Test("a later purpose 2 event re-wrapping the staff key to a newcomer gives it the key")
        func rewrappedToNewcomer() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.note(by: Cast.alice, "handing over to dave")
            try script.shareStaffKey(from: Cast.alice, to: [Cast.dave])
            let keys = resolve(script, as: Cast.dave)
            #expect(keys.staffKey?.isEqual(to: try #require(script.staffKey)) == true)
            #expect(keys.problems.isEmpty)
        }

        @Test("a later purpose 2 event with another key than the one notes are sealed with is not used")
        func strayStaffKeyRefused() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.note(by: Cast.alice, "sealed with the first staff key")
            let stray = try script.shareStaffKey(SecretBox.generateKey(), from: Cast.bob, to: [Cast.dave])
            let keys = resolve(script, as: Cast.dave)
            #expect(keys.staffKey == nil)
            #expect(keys.staffKeyProblem?.code == .conflictingKey)
            #expect(keys.staffKeyProblem?.position == stray.position)
        }

        @Test("events of another conversation are not used")
        func otherConversationSkipped() throws {
            let log = TestLog()
            let mine = try Script(log: log, wrappedTo: [Cast.alice])
            let other = try Script(log: log, wrappedTo: [Cast.bob])
            try other.shareConversationKey(from: Cast.bob, to: [Cast.alice])
            let keys = ConversationKeys.resolve(events: log.events, me: Cast.alice.secrets, keyring: Cast.keyring)
            #expect(keys.conversation == mine.conversation)
            #expect(keys.conversationKey?.isEqual(to: mine.conversationKey) == true)
            #expect(keys.problems.isEmpty)
        }

        @Test("no events, or no opening, is a reason and not a crash")
        func nothingToResolve() throws {
            let empty = ConversationKeys.resolve(events: [], me: Cast.alice.secrets, keyring: Cast.keyring)
            #expect(empty.conversation == nil)
            #expect(empty.conversationKeyProblem?.code == .noKey)
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.claim(by: Cast.alice)
            let keys = ConversationKeys.resolve(events: Array(script.events.dropFirst()), me: Cast.alice.secrets,
                                                keyring: Cast.keyring)
            #expect(keys.conversationKeyProblem?.code == .noKey)
            #expect(keys.conversationKeyProblem?.message.contains("conversation.opened") == true)
        }
    }
}
