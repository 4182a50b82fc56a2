import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("The visitor's language, as each staff member can read it")
    struct ConversationLanguageTests {
        func keys(_ script: Script, as member: Member) -> ConversationKeys {
            ConversationKeys.resolve(events: script.events, me: member.secrets, keyring: Cast.keyring)
        }

        @Test("a staff member the conversation key was wrapped to reads the language; the transcript's opening names it")
        func known() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice], language: VisitorLanguage("ro"))
            #expect(ConversationLanguage.read(script.events, keys: keys(script, as: Cast.alice)) == .known(try VisitorLanguage("ro")))
            let entries = Transcript.build(events: script.events, keys: keys(script, as: Cast.alice), keyring: Cast.keyring)
            #expect(entries.first?.content == .opened(language: try VisitorLanguage("ro")))
            #expect(entries.first?.problem == nil)
        }

        @Test("an opening without a language (an older page) is notSent, with no problem in the transcript")
        func notSent() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice])
            #expect(ConversationLanguage.read(script.events, keys: keys(script, as: Cast.alice)) == .notSent)
            let entries = Transcript.build(events: script.events, keys: keys(script, as: Cast.alice), keyring: Cast.keyring)
            #expect(entries.first?.content == .opened(language: nil) && entries.first?.problem == nil)
        }

        @Test("without the conversation key the language is unreadable, and the transcript says why")
        func withoutKey() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice], language: VisitorLanguage("bg"))
            guard case .unreadable(let reason) = ConversationLanguage.read(script.events, keys: keys(script, as: Cast.bob)) else {
                Issue.record("bob holds no key, yet the language read")
                return
            }
            #expect(reason.contains("cannot be opened"), "\(reason)")
            let entries = Transcript.build(events: script.events, keys: keys(script, as: Cast.bob), keyring: Cast.keyring)
            #expect(entries.first?.content == .opened(language: nil))
            #expect(entries.first?.problem != nil)
        }

        @Test("a sealed text that is no language tag is unreadable, never shown as a language")
        func notATag() throws {
            let log = TestLog()
            let visitor = SigningKeyPair.generate(), box = BoxKeyPair.generate(), key = SecretBox.generateKey()
            let wraps = [Wrap(key: key, to: Cast.alice.keyID.bytes, recipientKey: Cast.alice.box.publicKey, from: box),
                         Wrap(key: key, to: KeyID(visitor.publicKey).bytes, recipientKey: box.publicKey, from: box)]
            let content = ConversationOpened(visitorBoxKey: box.publicKey, wraps: wraps,
                                             sealedLanguage: try SealedText.seal("<script>", key: key)).content
            _ = log.store(try Event(kind: .conversationOpened, conversation: ConversationID(visitor: visitor.publicKey),
                                clientTimeMilliseconds: 0, content: content, signer: visitor))
            let events = log.events
            let reading = ConversationLanguage.read(events, keys: ConversationKeys.resolve(events: events, me: Cast.alice.secrets,
                                                                                            keyring: Cast.keyring))
            guard case .unreadable(let reason) = reading else {
                Issue.record("a non-tag read as \(reading)")
                return
            }
            #expect(reason.contains("malformed"), "\(reason)")
        }
    }
}
