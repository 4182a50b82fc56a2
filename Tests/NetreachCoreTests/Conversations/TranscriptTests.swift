import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Transcript")
    struct TranscriptTests {
        func transcript(_ script: Script, as member: Member) -> [TranscriptEntry] {
            let keys = ConversationKeys.resolve(events: script.events, me: member.secrets, keyring: Cast.keyring)
            return Transcript.build(events: script.events, keys: keys, keyring: Cast.keyring)
        }

        @Test("a whole conversation reads back as it was written, with speakers named")
        func wholeConversation() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.bob])
            try script.visitorSays("Hello, is anyone there?")
            try script.claim(by: Cast.alice)
            try script.says(Cast.alice, "Yes, I'm here. You're safe to talk.")
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
            try script.note(by: Cast.alice, "flag for handover: asked about the clinic")
            try script.transfer(from: Cast.alice, to: Cast.bob, note: "bob knows the clinic")
            try script.close(by: Cast.bob, sampleWrapUp)
            let entries = transcript(script, as: Cast.bob)
            let alice = TranscriptEntry.Speaker.staff(Cast.alice.keyID, name: "alice")
            #expect(entries.map(\.speaker) == [.visitor, .visitor, alice, alice, alice, alice, alice,
                                               .staff(Cast.bob.keyID, name: "bob")])
            #expect(entries.map(\.content) == [
                .opened(language: nil), .message("Hello, is anyone there?"), .claimed, .message("Yes, I'm here. You're safe to talk."),
                .keysShared, .note("flag for handover: asked about the clinic"),
                .transferred(to: Cast.bob.keyID, toName: "bob", note: "bob knows the clinic"), .closed(sampleWrapUp),
            ])
            #expect(entries.map(\.position) == script.events.map(\.position))
            #expect(entries.allSatisfy { $0.problem == nil })
        }

        @Test("the visitor's feedback after the close reads as its answers; feedback that does not read says why")
        func feedback() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.visitorSays("thanks")
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.close(by: Cast.alice, sampleWrapUp)
            let given = try VisitorFeedback(helpful: .aLittle, safer: nil, helpedMost: .localServices)
            try script.append(.feedbackGiven, SealedText.seal(given.text, key: script.conversationKey), by: script.visitor)
            try script.append(.feedbackGiven, SealedText.seal(#"{"format":"netreach-feedback-v1","helpful":"","safer":"","helpedMost":""}"#,
                                                              key: script.conversationKey), by: script.visitor)
            let entries = transcript(script, as: Cast.alice)
            #expect(entries[entries.count - 2].speaker == .visitor)
            #expect(entries[entries.count - 2].content == .feedback(given))
            guard case .undecryptable(let reason) = entries.last?.content else {
                Issue.record("expected undecryptable, got \(String(describing: entries.last?.content))")
                return
            }
            #expect(reason.contains("feedback.given does not read") && reason.contains("at least one"))
        }

        @Test("a tampered message is undecryptable with the reason; the rest still reads")
        func tamperedMessage() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            var sealed = try SealedText.seal("original", key: script.conversationKey)
            sealed[40] ^= 0x01
            try script.append(.messagePosted, sealed, by: script.visitor)
            try script.visitorSays("still here")
            let entries = transcript(script, as: Cast.alice)
            guard case .undecryptable(let reason) = entries[1].content else {
                Issue.record("expected undecryptable, got \(entries[1].content)")
                return
            }
            #expect(reason.contains("does not open with the conversation key"))
            #expect(entries[2].content == .message("still here"))
        }

        @Test("a message whose key was never wrapped to me is undecryptable, saying so")
        func notWrappedToMe() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.visitorSays("only alice can read this")
            let entries = transcript(script, as: Cast.bob)
            #expect(entries.count == 2)
            guard case .undecryptable(let reason) = entries[1].content else {
                Issue.record("expected undecryptable, got \(entries[1].content)")
                return
            }
            #expect(reason.contains("never wrapped to your key"))
        }

        @Test("a transfer whose note cannot be opened still names the receiver, with the reason")
        func transferWithoutStaffKey() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.dave])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.transfer(from: Cast.alice, to: Cast.dave, note: "yours now")
            let entry = try #require(transcript(script, as: Cast.dave).last)
            #expect(entry.content == .transferred(to: Cast.dave.keyID, toName: "dave", note: nil))
            #expect(entry.problem?.contains("never wrapped to your key") == true)
        }

        @Test("a wrap-up that opens but does not parse is shown as closed, with the reason")
        func unreadableWrapUp() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.append(.conversationClosed, SealedText.seal("topics: housing\n", key: try #require(script.staffKey)),
                              by: Cast.alice.signing)
            let entry = try #require(transcript(script, as: Cast.alice).last)
            #expect(entry.content == .closed(nil))
            #expect(entry.problem?.contains("wrap-up does not read") == true)
        }

        @Test("a revoked member is still named as the speaker of what they wrote")
        func revokedSpeakerNamed() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.carol, Cast.bob])
            try script.says(Cast.carol, "from before I left")
            try script.shareStaffKey(from: Cast.carol, to: [Cast.bob])
            try script.note(by: Cast.carol, "carol's note")
            let entries = transcript(script, as: Cast.bob)
            #expect(entries[1].speaker == .staff(Cast.carol.keyID, name: "carol"))
            #expect(entries[1].content == .message("from before I left"))
            #expect(entries[3].content == .note("carol's note"))
        }

        @Test("malformed contents are undecryptable entries, never a crash")
        func malformedContents() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice])
            try script.append(.messagePosted, [1, 2, 3], by: script.visitor)
            try script.append(.noteAdded, [], by: Cast.alice.signing)
            try script.append(.conversationTransferred, [9, 9], by: Cast.alice.signing)
            try script.append(.keyWrapped, [7], by: Cast.alice.signing)
            let entries = transcript(script, as: Cast.alice).suffix(4)
            for entry in entries {
                guard case .undecryptable(let reason) = entry.content else {
                    Issue.record("expected undecryptable, got \(entry.content)")
                    continue
                }
                #expect(reason.contains("malformed"))
            }
            #expect(entries.count == 4)
        }
    }
}
