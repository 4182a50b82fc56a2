public import Sodium

/// The 16-byte id of a conversation, derived from the visitor's Ed25519 public key (docs/PROTOCOL.md).
public struct ConversationID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public static let count = 16

    public init(_ bytes: [UInt8]) throws(ProtocolError) {
        guard bytes.count == ConversationID.count else {
            throw ProtocolError(.malformed, "a conversation id is 16 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// The id of the conversation of the visitor with this key.
    public init(visitor key: SigningPublicKey) {
        bytes = Array(SHA512.hash(DomainSeparation.conversationID.input(key.bytes)).prefix(ConversationID.count))
    }

    /// Decodes the b64u form used on the wire and in stream names.
    public init(base64URL text: String) throws(ProtocolError) {
        guard let bytes = try? Base64URL.decode(text) else { throw ProtocolError(.badBase64, "a conversation id is not b64u") }
        try self.init(bytes)
    }

    public var base64URL: String { Base64URL.encode(bytes) }

    /// Not a conversation: the id that `alert.published` events carry, which puts them in the
    /// organisation's public alert feed (no visitor's id is sixteen zero bytes but by a 2^-128 chance).
    public static let alertFeed = try! ConversationID([UInt8](repeating: 0, count: count))

    /// Not a conversation: the id of the deployment's retention policy (`policy.set`, docs/PRIVACY.md).
    public static let policyFeed = try! ConversationID([UInt8](repeating: 0, count: count - 1) + [1])

    /// Not a conversation: the id of the supervisors' sealed quarterly figures (`figures.sealed`).
    public static let reportsFeed = try! ConversationID([UInt8](repeating: 0, count: count - 1) + [2])

    /// Not a conversation: the id of the staff's period keys (`key.period`, docs/KEYS.md "Period keys").
    public static let keysFeed = try! ConversationID([UInt8](repeating: 0, count: count - 1) + [3])

    /// The four ids that are not a visitor's conversation.
    public static let feeds: [ConversationID] = [.alertFeed, .policyFeed, .reportsFeed, .keysFeed]

    /// The streams of the feeds: `alerts`, `policy`, `reports`, `keys`.
    public static let feedStreamNames: Set<String> = Set(feeds.map(\.streamName))

    /// Whether this is one of the four ids that are not a visitor's conversation.
    public var isFeed: Bool { self == .alertFeed || self == .policyFeed || self == .reportsFeed || self == .keysFeed }

    /// This id when it is a visitor's conversation; nil for a feed.
    public var visitorConversation: ConversationID? { isFeed ? nil : self }

    /// The event log stream that holds this conversation; `alerts`, `policy`, `reports` and `keys` for the feeds.
    public var streamName: String {
        switch self {
        case .alertFeed: "alerts"
        case .policyFeed: "policy"
        case .reportsFeed: "reports"
        case .keysFeed: "keys"
        default: "conv:" + base64URL
        }
    }

    /// The feed a kind must go to, or nil for a kind that goes to a visitor's conversation.
    public static func feed(of kind: EventKind) -> ConversationID? {
        switch kind {
        case .alertPublished: .alertFeed
        case .policySet: .policyFeed
        case .figuresSealed: .reportsFeed
        case .keyPeriod: .keysFeed
        default: nil
        }
    }

    public var description: String { base64URL }
}
