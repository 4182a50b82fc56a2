import NetreachCore
import Sodium

/// SplitMix64: a small seeded generator, so a failing generated log can be made again from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}

/// A realistic log: many conversations open, visitors and staff write, staff claim, share keys,
/// note, transfer, take over and close, visitors come back — all with real keys, real wraps and
/// real signatures. The generator keeps its own account of each conversation (`expected`), written
/// independently of `Inbox`, to check the projection against.
struct GeneratedLog: Sendable {
    struct Expected: Hashable, Sendable {
        var state: ConversationSummary.State = .waiting
        var owner: KeyID?
        var closedBy: KeyID?
        var messages = 0
        var visitorMessages = 0
        var notes = 0
        var reopens = 0
        var version: UInt64 = 0
    }

    let seed: UInt64
    let events: [StoredEvent]
    let expected: [ConversationID: Expected]
    /// Messages written by each staff member.
    let staffMessages: [KeyID: Int]
}

enum LogGenerator {
    /// The staff who act in generated logs; carol acts only in the first tenth, before she left.
    static let staff = [Cast.alice, Cast.bob, Cast.dave]

    private struct Live {
        let visitor: SigningKeyPair
        let conversation: ConversationID
        let conversationKey: SecureBytes
        var staffKey: SecureBytes?
        var keyHolders: Set<KeyID>
        var staffKeyHolders: Set<KeyID> = []
        var expected = GeneratedLog.Expected()
    }

    static func generate(eventCount: Int, seed: UInt64, openConversations: Int = 80) throws -> GeneratedLog {
        var rng = SeededGenerator(state: seed)
        var events: [StoredEvent] = []
        events.reserveCapacity(eventCount + 8)
        var live: [Live] = []
        var finished: [ConversationID: GeneratedLog.Expected] = [:]
        var staffMessages: [KeyID: Int] = [:]
        var time: UInt64 = 1_764_000_000_000
        let relay = try SigningKeyPair(seed: rng.bytes(32))

        func store(_ kind: EventKind, _ content: [UInt8], by signer: SigningKeyPair, in conversation: inout Live) throws {
            let event = try Event(kind: kind, id: rng.bytes(16), conversation: conversation.conversation,
                                  clientTimeMilliseconds: time, content: content, signer: signer)
            time += UInt64.random(in: 0...4_000, using: &rng)
            let version = kind == .conversationOpened ? 0 : conversation.expected.version + 1
            conversation.expected.version = version
            events.append(StoredEvent(position: UInt64(events.count) + 1, version: version, timeMilliseconds: time, event: event))
        }
        func wraps(_ key: SecureBytes, from sender: BoxKeyPair, to members: [Member]) -> [Wrap] {
            members.map { Wrap(key: key, to: $0.keyID.bytes, recipientKey: $0.box.publicKey, from: sender) }
        }

        while events.count < eventCount {
            let cast = events.count < eventCount / 10 ? staff + [Cast.carol] : staff
            if live.count < openConversations || rng.chance(2) {
                let visitor = try SigningKeyPair(seed: rng.bytes(32))
                let visitorBox = try BoxKeyPair(secretKey: rng.bytes(32))
                let key = SecureBytes(copying: rng.bytes(32))
                var conversation = Live(visitor: visitor, conversation: ConversationID(visitor: visitor.publicKey),
                                        conversationKey: key, keyHolders: Set(cast.map(\.keyID)))
                let selfWrap = Wrap(key: key, to: KeyID(visitor.publicKey).bytes, recipientKey: visitorBox.publicKey,
                                    from: visitorBox)
                let opened = ConversationOpened(visitorBoxKey: visitorBox.publicKey,
                                                wraps: wraps(key, from: visitorBox, to: cast) + [selfWrap])
                try store(.conversationOpened, opened.content, by: visitor, in: &conversation)
                live.append(conversation)
                continue
            }
            let index = Int.random(in: 0..<live.count, using: &rng)
            var conversation = live[index]
            let owner = conversation.expected.owner.flatMap { id in cast.first { $0.keyID == id } }
            let anyone = cast[Int.random(in: 0..<cast.count, using: &rng)]
            let worker = owner ?? anyone

            func visitorWrites() throws {
                try store(.messagePosted, SealedText.seal("visitor \(events.count)", key: conversation.conversationKey),
                          by: conversation.visitor, in: &conversation)
                conversation.expected.messages += 1
                conversation.expected.visitorMessages += 1
                if conversation.expected.state == .closed {
                    conversation.expected.state = .waiting
                    conversation.expected.owner = nil
                    conversation.expected.reopens += 1
                }
            }
            /// Makes sure `members` hold the staff key (making it first if there is none), as a client does before sealing.
            func shareStaffKey(from member: Member, to members: [Member]) throws {
                let missing = members.filter { !conversation.staffKeyHolders.contains($0.keyID) }
                guard !missing.isEmpty else { return }
                let key = conversation.staffKey ?? SecureBytes(copying: rng.bytes(32))
                conversation.staffKey = key
                let content = KeyWrapped(purpose: .staffKey, wraps: wraps(key, from: member.box, to: missing)).content
                try store(.keyWrapped, content, by: member.signing, in: &conversation)
                conversation.staffKeyHolders.formUnion(missing.map(\.keyID))
            }
            func sealedForStaff(_ text: String, by member: Member) throws -> [UInt8] {
                try shareStaffKey(from: member, to: [member])
                return try SealedText.seal(text, key: conversation.staffKey!)
            }

            switch conversation.expected.state {
            case .waiting:
                if rng.chance(55) {
                    try visitorWrites()
                } else {
                    try store(.conversationClaimed, [], by: anyone.signing, in: &conversation)
                    conversation.expected.state = .claimed
                    conversation.expected.owner = anyone.keyID
                }
            case .claimed:
                let roll = Int.random(in: 0..<100, using: &rng)
                switch roll {
                case 0..<38:
                    try visitorWrites()
                case 38..<78:
                    try store(.messagePosted, SealedText.seal("staff \(events.count)", key: conversation.conversationKey),
                              by: worker.signing, in: &conversation)
                    conversation.expected.messages += 1
                    staffMessages[worker.keyID, default: 0] += 1
                case 78..<86:
                    let note = try sealedForStaff("note \(events.count)", by: worker)
                    try store(.noteAdded, note, by: worker.signing, in: &conversation)
                    conversation.expected.notes += 1
                case 86..<91:
                    let receiver = cast.filter { $0.keyID != worker.keyID }.randomElement(using: &rng) ?? worker
                    if !conversation.keyHolders.contains(receiver.keyID) {
                        let content = KeyWrapped(purpose: .conversationKey,
                                                 wraps: wraps(conversation.conversationKey, from: worker.box, to: [receiver])).content
                        try store(.keyWrapped, content, by: worker.signing, in: &conversation)
                        conversation.keyHolders.insert(receiver.keyID)
                    }
                    try shareStaffKey(from: worker, to: [worker, receiver])
                    let note = try sealedForStaff("to you", by: worker)
                    try store(.conversationTransferred, receiver.keyID.bytes + note, by: worker.signing, in: &conversation)
                    conversation.expected.owner = receiver.keyID
                case 91..<93:
                    try store(.conversationClaimed, [], by: anyone.signing, in: &conversation)
                    conversation.expected.owner = anyone.keyID
                default:
                    let wrapUp = try WrapUp(topics: [WrapUp.Topic.allCases.randomElement(using: &rng)!],
                                            outcome: .supportGiven, contact: rng.chance(30) ? .repeat : .new)
                    let sealed = try sealedForStaff(wrapUp.text, by: worker)
                    try store(.conversationClosed, sealed, by: worker.signing, in: &conversation)
                    conversation.expected.state = .closed
                    conversation.expected.closedBy = worker.keyID
                }
            case .closed:
                if rng.chance(3) {
                    // The visitor deletes the chat: their request, then the relay's record of everything it erased.
                    let request = try Event(kind: .erasureRequested, id: rng.bytes(16), conversation: conversation.conversation,
                                            clientTimeMilliseconds: time, content: ErasureRequest(reason: .visitorRequest).content,
                                            signer: conversation.visitor)
                    let listed = events.filter { $0.conversation == conversation.conversation }.map {
                        ContentErased.Entry(position: $0.position, kind: $0.kind, timeMilliseconds: $0.timeMilliseconds, author: $0.authorKeyID,
                                            byVisitor: $0.isByVisitor)
                    }
                    try store(.erasureRequested, request.content, by: conversation.visitor, in: &conversation)
                    let record = try ContentErased(rule: .visitorRequest, reference: request.id, days: 0, entries: listed)
                    try store(.contentErased, record.content, by: relay, in: &conversation)
                    conversation.expected = GeneratedLog.Expected(state: .erased, version: conversation.expected.version)
                    finished[conversation.conversation] = conversation.expected
                    live.remove(at: index)
                    continue
                } else if rng.chance(25) {
                    try visitorWrites()
                } else {
                    finished[conversation.conversation] = conversation.expected
                    live.remove(at: index)
                    continue
                }
            case .erased:
                // The generator writes no erasures; an erased conversation takes no more events.
                finished[conversation.conversation] = conversation.expected
                live.remove(at: index)
                continue
            }
            live[index] = conversation
        }
        for conversation in live { finished[conversation.conversation] = conversation.expected }
        return GeneratedLog(seed: seed, events: events, expected: finished, staffMessages: staffMessages)
    }
}
