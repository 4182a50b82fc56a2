import NetreachCore
import Sodium
import Testing

/// The suites of the conversation read models (`swift test --filter Conversations`).
enum Conversations {}

/// A staff member of the test keyring, with the private keys their machine would hold.
struct Member: Sendable {
    let name: String
    let signing: SigningKeyPair
    let box: BoxKeyPair
    let certificate: EnrolmentCertificate

    init(_ name: String, seed: UInt8, role: StaffRole = .worker) {
        self.name = name
        signing = TestKeys.keyPair(seed: seed)
        box = TestKeys.boxKeyPair(seed: seed)
        certificate = TestKeys.certificate(name, seed: seed, role: role)
    }

    var keyID: KeyID { KeyID(signing.publicKey) }
    var secrets: StaffSecrets { StaffSecrets(signing: signing, box: box) }
}

/// The cast: alice and bob work, dave supervises, carol left (her enrolment is revoked), and
/// mallory signs with a key the keyring does not know.
enum Cast {
    static let alice = Member("alice", seed: 11)
    static let bob = Member("bob", seed: 12)
    static let carol = Member("carol", seed: 13)
    static let dave = Member("dave", seed: 14, role: .supervisor)
    static let mallory = Member("mallory", seed: 15)

    static let keyring: Keyring = {
        let files = [alice, bob, carol, dave].map { KeyFile(label: $0.name, bytes: $0.certificate.fileBytes) }
        let revoked = [KeyFile(label: "carol-rev", bytes: TestKeys.revocation(of: carol.certificate).fileBytes)]
        // Every file is made above by the organisation key the keyring checks against.
        return try! Keyring(organisation: TestKeys.orgPublic, certificates: files, revocations: revoked)
    }()
}

/// A log under construction: positions and versions as the relay would give them.
final class TestLog {
    private(set) var events: [StoredEvent] = []
    private var versions: [ConversationID: UInt64] = [:]
    var position: UInt64 = 0
    var time: UInt64 = 1_764_000_000_000

    /// Stores `event` at the next position, `step` ms after the previous one.
    @discardableResult
    func store(_ event: Event, step: UInt64 = 1_000) -> StoredEvent {
        position += 1
        time += step
        let version = versions[event.conversation].map { $0 + 1 } ?? 0
        versions[event.conversation] = version
        let stored = StoredEvent(position: position, version: version, timeMilliseconds: time, event: event)
        events.append(stored)
        return stored
    }

    func events(of conversation: ConversationID) -> [StoredEvent] { events.filter { $0.conversation == conversation } }
}

/// One conversation written into a `TestLog` with real keys and real crypto.
struct Script {
    let log: TestLog
    let visitor: SigningKeyPair
    let visitorBox: BoxKeyPair
    let conversation: ConversationID
    let conversationKey: SecureBytes
    var staffKey: SecureBytes?

    /// Opens a conversation whose key is wrapped to `staff` and to the visitor itself, with
    /// `language` sealed after the wraps when given (none: as pages before it opened).
    init(log: TestLog, wrappedTo staff: [Member], language: VisitorLanguage? = nil) throws {
        self.log = log
        visitor = SigningKeyPair.generate()
        visitorBox = BoxKeyPair.generate()
        conversation = ConversationID(visitor: visitor.publicKey)
        conversationKey = SecretBox.generateKey()
        var wraps = staff.map {
            Wrap(key: conversationKey, to: $0.keyID.bytes, recipientKey: $0.box.publicKey, from: visitorBox)
        }
        wraps.append(Wrap(key: conversationKey, to: KeyID(visitor.publicKey).bytes, recipientKey: visitorBox.publicKey,
                          from: visitorBox))
        let opened = language.map { ConversationOpened(visitorBoxKey: visitorBox.publicKey, wraps: wraps, language: $0, conversationKey: conversationKey) }
            ?? ConversationOpened(visitorBoxKey: visitorBox.publicKey, wraps: wraps)
        try append(.conversationOpened, opened.content, by: visitor)
    }

    var events: [StoredEvent] { log.events(of: conversation) }

    @discardableResult
    func append(_ kind: EventKind, _ content: [UInt8], by signer: SigningKeyPair) throws -> StoredEvent {
        log.store(try Event(kind: kind, conversation: conversation, clientTimeMilliseconds: log.time, content: content,
                            signer: signer))
    }

    @discardableResult
    func visitorSays(_ text: String) throws -> StoredEvent {
        try append(.messagePosted, SealedText.seal(text, key: conversationKey), by: visitor)
    }

    @discardableResult
    func says(_ member: Member, _ text: String) throws -> StoredEvent {
        try append(.messagePosted, SealedText.seal(text, key: conversationKey), by: member.signing)
    }

    @discardableResult
    func claim(by member: Member) throws -> StoredEvent { try append(.conversationClaimed, [], by: member.signing) }

    /// `key.wrapped` purpose 1 from `member` to `recipients`.
    @discardableResult
    func shareConversationKey(from member: Member, to recipients: [Member]) throws -> StoredEvent {
        try append(.keyWrapped, wrapped(.conversationKey, conversationKey, from: member, to: recipients), by: member.signing)
    }

    /// `key.wrapped` purpose 2 with `key` (a new staff key when nil), which becomes the script's staff key if it has none.
    @discardableResult
    mutating func shareStaffKey(_ key: SecureBytes? = nil, from member: Member, to recipients: [Member]) throws -> StoredEvent {
        let key = key ?? staffKey ?? SecretBox.generateKey()
        if staffKey == nil { staffKey = key }
        return try append(.keyWrapped, wrapped(.staffKey, key, from: member, to: recipients), by: member.signing)
    }

    @discardableResult
    func note(by member: Member, _ text: String) throws -> StoredEvent {
        try append(.noteAdded, SealedText.seal(text, key: try #require(staffKey)), by: member.signing)
    }

    @discardableResult
    func transfer(from member: Member, to receiver: Member, note: String) throws -> StoredEvent {
        try append(.conversationTransferred, receiver.keyID.bytes + SealedText.seal(note, key: try #require(staffKey)),
                   by: member.signing)
    }

    @discardableResult
    func close(by member: Member, _ wrapUp: WrapUp) throws -> StoredEvent {
        try append(.conversationClosed, SealedText.seal(wrapUp.text, key: try #require(staffKey)), by: member.signing)
    }

    func wrapped(_ purpose: KeyWrapped.Purpose, _ key: SecureBytes, from member: Member, to recipients: [Member]) -> [UInt8] {
        KeyWrapped(purpose: purpose, wraps: recipients.map {
            Wrap(key: key, to: $0.keyID.bytes, recipientKey: $0.box.publicKey, from: member.box)
        }).content
    }
}

/// A wrap-up used where its contents do not matter.
let sampleWrapUp = try! WrapUp(topics: [.housing, .safetyAdvice], referrals: [.housingService], outcome: .referred,
                               contact: .new)
