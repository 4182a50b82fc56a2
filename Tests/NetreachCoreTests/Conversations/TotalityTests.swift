import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Odd event sequences")
    struct TotalityTests {
        /// Events of every kind with random, mostly malformed contents, by visitors, staff and strangers, in random
        /// conversations and orders, with positions that repeat and go backwards.
        static func chaos(seed: UInt64, count: Int) throws -> [StoredEvent] {
            var rng = SeededGenerator(state: seed)
            let visitors = (0..<4).map { _ in SigningKeyPair.generate() }
            let conversations = visitors.map { ConversationID(visitor: $0.publicKey) } + [try ConversationID(rng.bytes(16))]
            let signers = visitors + [Cast.alice.signing, Cast.carol.signing, Cast.mallory.signing]
            let key = SecureBytes(copying: rng.bytes(32))
            var events: [StoredEvent] = []
            for index in 0..<count {
                let kind = EventKind.allCases.randomElement(using: &rng)!
                var content: [UInt8]
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: content = []
                case 1: content = rng.bytes(Int.random(in: 1..<200, using: &rng))
                case 2: content = try SealedText.seal("x", key: key)
                default: content = Cast.bob.keyID.bytes + (try SealedText.seal("y", key: key))
                }
                if kind == .conversationOpened && rng.chance(50) {
                    content = ConversationOpened(visitorBoxKey: BoxKeyPair.generate().publicKey, wraps: []).content
                }
                let event = try Event(kind: kind, conversation: conversations.randomElement(using: &rng)!,
                                      clientTimeMilliseconds: 0, content: content, signer: signers.randomElement(using: &rng)!)
                let position = rng.chance(80) ? UInt64(index) : UInt64.random(in: 0...UInt64(count), using: &rng)
                events.append(StoredEvent(position: position, version: rng.next() % 50, timeMilliseconds: rng.next() >> 20,
                                          event: event))
            }
            return events
        }

        @Test("every projection, the key resolver and the transcript accept any sequence without trapping")
        func chaosIsAccepted() throws {
            let events = try Self.chaos(seed: 42, count: 3_000)
            var inbox = Inbox()
            var timeline = Timeline()
            var activity = StaffActivity()
            for stored in events {
                inbox.apply(stored)
                timeline.apply(stored)
                activity.apply(stored)
            }
            _ = Handover(inbox: inbox, now: 0)
            for id in Set(events.map(\.conversation)) {
                let mine = events.filter { $0.conversation == id }
                let keys = ConversationKeys.resolve(events: mine, me: Cast.alice.secrets, keyring: Cast.keyring)
                let transcript = Transcript.build(events: mine, keys: keys, keyring: Cast.keyring)
                #expect(transcript.count == mine.count)
                _ = inbox.unreadCount(conversation: id, readUpTo: UInt64.max)
            }
            // Only events opened by their own visitor are conversations.
            #expect(inbox.conversations.values.allSatisfy { summary in
                events.contains { $0.conversation == summary.id && $0.kind == .conversationOpened && $0.isByVisitor }
            })
        }
    }
}
