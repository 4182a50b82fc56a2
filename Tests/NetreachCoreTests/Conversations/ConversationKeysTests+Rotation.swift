import NetreachCore
import Sodium
import Testing

extension Conversations {
    /// Re-keyed conversations (docs/KEYS.md, "Offboarding"): `key.rotated` by a supervisor.
    @Suite("Conversation keys: re-keyed when someone leaves")
    struct KeyRotationTests {
        func resolve(_ script: Script, as member: Member) -> ConversationKeys {
            ConversationKeys.resolve(events: script.events, me: member.secrets, keyring: Cast.keyring)
        }

        /// `key.rotated` of `purpose` carrying `key` (named by `id`, its own when nil) from `author` to `recipients` and, for the
        /// conversation key, the visitor.
        @discardableResult
        func rotate(_ script: Script, _ purpose: KeyWrapped.Purpose, _ key: SecureBytes, by author: Member, to recipients: [Member],
                    id: [UInt8]? = nil) throws -> StoredEvent {
            var wraps = recipients.map { Wrap(key: key, to: $0.keyID.bytes, recipientKey: $0.box.publicKey, from: author.box) }
            if purpose == .conversationKey {
                wraps.append(Wrap(key: key, to: KeyID(script.visitor.publicKey).bytes, recipientKey: script.visitorBox.publicKey, from: author.box))
            }
            return try script.append(.keyRotated, KeyRotated(purpose: purpose, keyID: id ?? KeyRotated.keyID(of: key), wraps: wraps).content,
                                     by: author.signing)
        }

        func texts(_ script: Script, as member: Member) -> [String] {
            Transcript.build(events: script.events, keys: resolve(script, as: member), keyring: Cast.keyring).compactMap { entry in
                switch entry.content {
                case .message(let text), .note(let text): text
                default: nil
                }
            }
        }

        @Test("after a re-key, those it went to write with the new key and read with both; the one left out keeps the old texts only and has no key to write with")
        func rekeyed() throws {
            var script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.bob, Cast.dave])
            try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob, Cast.dave])
            try script.visitorSays("before")
            try script.note(by: Cast.alice, "old note")
            let newConversationKey = SecretBox.generateKey(), newStaffKey = SecretBox.generateKey()
            try rotate(script, .conversationKey, newConversationKey, by: Cast.dave, to: [Cast.bob, Cast.dave])
            try rotate(script, .staffKey, newStaffKey, by: Cast.dave, to: [Cast.bob, Cast.dave])
            try script.append(.messagePosted, SealedText.seal("after", key: newConversationKey), by: script.visitor)
            try script.append(.noteAdded, SealedText.seal("new note", key: newStaffKey), by: Cast.bob.signing)

            let bob = resolve(script, as: Cast.bob)
            #expect(bob.conversationKey?.isEqual(to: newConversationKey) == true && bob.staffKey?.isEqual(to: newStaffKey) == true)
            #expect(bob.conversationKeys.count == 2 && bob.conversationKeys[1].isEqual(to: script.conversationKey))
            #expect(bob.problems.isEmpty, "\(bob.problems)")
            #expect(texts(script, as: Cast.bob) == ["before", "old note", "after", "new note"])
            let alice = resolve(script, as: Cast.alice)
            #expect(alice.conversationKey == nil && alice.staffKey == nil, "alice would write with a key the re-key replaced")
            #expect(alice.conversationKeyProblem?.code == .notWrappedToMe && alice.conversationKeyProblem?.message.contains("replaced") == true)
            #expect(alice.staffKeyProblem?.code == .notWrappedToMe)
            #expect(texts(script, as: Cast.alice) == ["before", "old note"])
        }

        @Test("a re-key by a worker, or one whose wrap is not the key its id names, is not taken")
        func untrusted() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.bob])
            let byWorker = SecretBox.generateKey()
            try rotate(script, .conversationKey, byWorker, by: Cast.alice, to: [Cast.bob])
            let afterWorker = resolve(script, as: Cast.bob)
            #expect(afterWorker.conversationKey?.isEqual(to: script.conversationKey) == true)
            #expect(afterWorker.problems.contains { $0.code == .unknownAuthor && $0.message.contains("not by a supervisor") })
            // A supervisor's re-key whose wrap carries another key than its id names: not used, and nothing older is written with.
            try rotate(script, .conversationKey, SecretBox.generateKey(), by: Cast.dave, to: [Cast.bob], id: KeyRotated.keyID(of: byWorker))
            let mismatched = resolve(script, as: Cast.bob)
            #expect(mismatched.conversationKey == nil)
            #expect(mismatched.problems.contains { $0.code == .conflictingKey && $0.message.contains("not the key its id names") })
            #expect(mismatched.conversationKeys.count == 1, "the old key still reads")
        }

        @Test("a key.wrapped naming a re-keyed key's id shares it later (a grant): the newcomer writes with the newest and reads both")
        func sharedLater() throws {
            let script = try Script(log: TestLog(), wrappedTo: [Cast.alice, Cast.dave])
            try script.visitorSays("before")
            let newKey = SecretBox.generateKey()
            try rotate(script, .conversationKey, newKey, by: Cast.dave, to: [Cast.dave])
            try script.append(.messagePosted, SealedText.seal("after", key: newKey), by: script.visitor)
            #expect(resolve(script, as: Cast.bob).conversationKeys.isEmpty)
            // dave shares the first key (no id), then the new one naming its id; in the other order it reads the same.
            try script.shareConversationKey(from: Cast.dave, to: [Cast.bob])
            let shared = KeyWrapped(purpose: .conversationKey, wraps: [Wrap(key: newKey, to: Cast.bob.keyID.bytes,
                                                                            recipientKey: Cast.bob.box.publicKey, from: Cast.dave.box)],
                                    keyID: KeyRotated.keyID(of: newKey))
            try script.append(.keyWrapped, shared.content, by: Cast.dave.signing)
            let bob = resolve(script, as: Cast.bob)
            #expect(bob.conversationKey?.isEqual(to: newKey) == true)
            #expect(texts(script, as: Cast.bob) == ["before", "after"])
            // A share that names the id but carries another key is not taken.
            let forged = KeyWrapped(purpose: .conversationKey, wraps: [Wrap(key: SecretBox.generateKey(), to: Cast.alice.keyID.bytes,
                                                                            recipientKey: Cast.alice.box.publicKey, from: Cast.dave.box)],
                                    keyID: KeyRotated.keyID(of: newKey))
            try script.append(.keyWrapped, forged.content, by: Cast.dave.signing)
            let alice = resolve(script, as: Cast.alice)
            #expect(alice.conversationKey == nil && alice.conversationKeys.count == 1)
            #expect(alice.problems.contains { $0.code == .conflictingKey && $0.message.contains("not the key its id names") })
        }

        @Test("key.rotated content: round trip, and bad layouts refused")
        func layout() throws {
            let key = SecretBox.generateKey()
            let wrap = Wrap(key: key, to: Cast.bob.keyID.bytes, recipientKey: Cast.bob.box.publicKey, from: Cast.dave.box)
            let rotated = KeyRotated(purpose: .staffKey, keyID: KeyRotated.keyID(of: key), wraps: [wrap])
            #expect(try KeyRotated(content: rotated.content) == rotated)
            #expect(rotated.content.count == 1 + 16 + 2 + Wrap.count)
            for (bad, why) in [([UInt8](), "empty"), ([3] + rotated.content.dropFirst(), "purpose 3"), (Array(rotated.content.dropLast()), "cut short"),
                               (rotated.content + [0], "trailing byte"), ([1] + KeyRotated.keyID(of: key) + [0, 0], "no wraps")] {
                #expect(throws: ProtocolError.self, "\(why)") { try KeyRotated(content: bad) }
            }
            // key.wrapped: without a key id as before; with one, 16 bytes after the wraps; anything else refused.
            let plain = KeyWrapped(purpose: .conversationKey, wraps: [wrap])
            #expect(try KeyWrapped(content: plain.content).keyID == nil)
            let named = KeyWrapped(purpose: .conversationKey, wraps: [wrap], keyID: KeyRotated.keyID(of: key))
            #expect(try KeyWrapped(content: named.content) == named)
            #expect(throws: ProtocolError.self) { try KeyWrapped(content: plain.content + [1, 2, 3]) }
        }
    }
}
