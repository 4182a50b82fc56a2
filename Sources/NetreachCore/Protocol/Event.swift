public import Sodium

/// The kinds of event of protocol version 1 (docs/PROTOCOL.md, "Kinds").
public enum EventKind: UInt8, CaseIterable, Sendable {
    case conversationOpened = 1
    case keyWrapped = 2
    case messagePosted = 3
    case conversationClaimed = 4
    case conversationTransferred = 5
    case conversationClosed = 6
    case noteAdded = 7
    case incidentReported = 8
    case consentChanged = 9
    case incidentShared = 10
    case alertPublished = 11
    case feedbackGiven = 12
    case erasureRequested = 13
    case contentErased = 14
    case policySet = 15
    case figuresSealed = 16
    case keyPeriod = 17
    case keyRotated = 18

    /// The name used on the wire and as the event log type.
    public var name: String {
        switch self {
        case .conversationOpened: "conversation.opened"
        case .keyWrapped: "key.wrapped"
        case .messagePosted: "message.posted"
        case .conversationClaimed: "conversation.claimed"
        case .conversationTransferred: "conversation.transferred"
        case .conversationClosed: "conversation.closed"
        case .noteAdded: "note.added"
        case .incidentReported: "incident.reported"
        case .consentChanged: "consent.changed"
        case .incidentShared: "incident.shared"
        case .alertPublished: "alert.published"
        case .feedbackGiven: "feedback.given"
        case .erasureRequested: "erasure.requested"
        case .contentErased: "content.erased"
        case .policySet: "policy.set"
        case .figuresSealed: "figures.sealed"
        case .keyPeriod: "key.period"
        case .keyRotated: "key.rotated"
        }
    }

    /// The kind with this wire name, or nil for a name this version does not know.
    public init?(name: String) {
        switch name {
        case "conversation.opened": self = .conversationOpened
        case "key.wrapped": self = .keyWrapped
        case "message.posted": self = .messagePosted
        case "conversation.claimed": self = .conversationClaimed
        case "conversation.transferred": self = .conversationTransferred
        case "conversation.closed": self = .conversationClosed
        case "note.added": self = .noteAdded
        case "incident.reported": self = .incidentReported
        case "consent.changed": self = .consentChanged
        case "incident.shared": self = .incidentShared
        case "alert.published": self = .alertPublished
        case "feedback.given": self = .feedbackGiven
        case "erasure.requested": self = .erasureRequested
        case "content.erased": self = .contentErased
        case "policy.set": self = .policySet
        case "figures.sealed": self = .figuresSealed
        case "key.period": self = .keyPeriod
        case "key.rotated": self = .keyRotated
        default: return nil
        }
    }

    /// `relay`: written by the relay itself (docs/PRIVACY.md, "Erasure"); no client may append it.
    public enum Author: Sendable { case visitor, staff, visitorOrStaff, relay }

    /// Who may append it.
    public var author: Author {
        switch self {
        case .conversationOpened, .feedbackGiven: .visitor
        case .messagePosted, .incidentReported, .consentChanged, .erasureRequested: .visitorOrStaff
        case .contentErased: .relay
        default: .staff
        }
    }

    /// Whether staff must be supervisors to append it (an erasure order, a retention policy, sealed figures, a re-key).
    public var staffMustSupervise: Bool {
        self == .erasureRequested || self == .policySet || self == .figuresSealed || self == .keyRotated
    }

    /// Whether the visitor of the conversation receives it.
    public var visibleToVisitor: Bool {
        switch self {
        case .conversationOpened, .messagePosted, .conversationClaimed, .conversationClosed, .incidentReported, .consentChanged,
             .feedbackGiven: true
        // An erasure record lists the kinds and times of staff-only events (notes, transfers), and an
        // order its reason: the visitor learns of an erasure from `ready` (`erased`) instead.
        case .keyWrapped, .conversationTransferred, .noteAdded, .incidentShared, .alertPublished, .policySet, .figuresSealed,
             .erasureRequested, .contentErased, .keyPeriod: false
        // Only a new conversation key (purpose 1) goes to the visitor: the relay looks at its first
        // content byte (RelayCore.isVisible); a new staff key's wraps name staff only.
        case .keyRotated: false
        }
    }
}

/// A signed event: the body of docs/PROTOCOL.md's table and the author's signature over it.
public struct Event: Hashable, Sendable {
    public static let headerCount = 84
    public static let maximumContentCount = 65_536
    static let magic = Array("NRE1".utf8)

    public let kind: EventKind
    public let id: [UInt8]
    public let conversation: ConversationID
    public let clientTimeMilliseconds: UInt64
    public let author: SigningPublicKey
    public let content: [UInt8]
    public let signature: Signature

    /// Signs a new event.
    public init(kind: EventKind, id: [UInt8] = Random.bytes(count: 16), conversation: ConversationID,
                clientTimeMilliseconds: UInt64, content: [UInt8], signer: SigningKeyPair) throws(ProtocolError) {
        guard id.count == 16 else { throw ProtocolError(.malformed, "an event id is 16 bytes") }
        guard content.count <= Event.maximumContentCount else {
            throw ProtocolError(.malformed, "event content is at most \(Event.maximumContentCount) bytes, got \(content.count)")
        }
        self.kind = kind
        self.id = id
        self.conversation = conversation
        self.clientTimeMilliseconds = clientTimeMilliseconds
        self.author = signer.publicKey
        self.content = content
        signature = signer.sign(DomainSeparation.event.input(Event.body(kind: kind, id: id, conversation: conversation,
                                                                           time: clientTimeMilliseconds,
                                                                           author: signer.publicKey, content: content)))
    }

    /// Parses an event's bytes and checks its signature. Nothing unsigned or malformed gets through.
    public init(bytes: [UInt8]) throws(ProtocolError) {
        try self.init(bytes: bytes, checkingSignature: true)
    }

    /// Parses bytes that this machine itself checked before storing them (a staff replica reads its
    /// own hash-chained log back): the layout is checked, the signature not again.
    public init(previouslyVerifiedBytes bytes: [UInt8]) throws(ProtocolError) {
        try self.init(bytes: bytes, checkingSignature: false)
    }

    private init(bytes: [UInt8], checkingSignature: Bool) throws(ProtocolError) {
        guard bytes.count <= Event.headerCount + Event.maximumContentCount + Signature.count else {
            throw ProtocolError(.malformed, "an event is at most \(Event.headerCount + Event.maximumContentCount + Signature.count) bytes")
        }
        var reader = ByteReader(bytes, what: "the event")
        guard try reader.take(4) == Event.magic else { throw ProtocolError(.malformed, "the event does not start with NRE1") }
        let code = try reader.integer(UInt8.self)
        guard let kind = EventKind(rawValue: code) else { throw ProtocolError(.unknownKind, "event kind \(code) is not known") }
        guard try reader.integer(UInt8.self) == 0, try reader.integer(UInt16.self) == 0 else {
            throw ProtocolError(.malformed, "the event's flags and reserved bytes must be zero")
        }
        let id = try reader.take(16)
        let conversation = try ConversationID(try reader.take(16))
        let time = try reader.integer(UInt64.self)
        guard let author = try? SigningPublicKey(try reader.take(32)) else { throw ProtocolError(.malformed, "bad author key") }
        let count = Int(try reader.integer(UInt32.self))
        guard count <= Event.maximumContentCount else {
            throw ProtocolError(.malformed, "event content is at most \(Event.maximumContentCount) bytes, got \(count)")
        }
        let content = try reader.take(count)
        guard let signature = try? Signature(try reader.take(Signature.count)) else { throw ProtocolError(.malformed, "bad signature") }
        try reader.finish()
        guard !checkingSignature || Event.signatureVerifies(bytes, contentCount: count, author: author, signature: signature) else {
            throw ProtocolError(.badSignature, "the event's signature does not verify for its author")
        }
        self.kind = kind
        self.id = id
        self.conversation = conversation
        clientTimeMilliseconds = time
        self.author = author
        self.content = content
        self.signature = signature
    }

    /// Whether `signature` is the author's over the body of `bytes` (an event of `contentCount` bytes of content).
    static func signatureVerifies(_ bytes: [UInt8], contentCount: Int, author: SigningPublicKey, signature: Signature) -> Bool {
        author.isValidSignature(signature, for: DomainSeparation.event.input(Array(bytes[0..<(Event.headerCount + contentCount)])))
    }

    /// The event's bytes: body then signature.
    public var bytes: [UInt8] {
        Event.body(kind: kind, id: id, conversation: conversation, time: clientTimeMilliseconds, author: author,
                   content: content) + signature.bytes
    }

    static func body(kind: EventKind, id: [UInt8], conversation: ConversationID, time: UInt64, author: SigningPublicKey,
                     content: [UInt8]) -> [UInt8] {
        var out = Event.magic
        out.reserveCapacity(Event.headerCount + content.count)
        out.append(kind.rawValue)
        out.append(0)
        out.appendInteger(UInt16(0))
        out += id
        out += conversation.bytes
        out.appendInteger(time)
        out += author.bytes
        out.appendInteger(UInt32(content.count))
        out += content
        return out
    }
}
