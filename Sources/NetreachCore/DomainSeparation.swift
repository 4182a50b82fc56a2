/// The context strings that prefix every signed message and every derived key (docs/KEYS.md,
/// docs/PROTOCOL.md's `ctx(…)`),
/// so that a signature or key made for one purpose can never be accepted for another.
///
/// Each context is ASCII, starts with `netreach/v1/`, and is followed by a single zero byte in
/// the signed or hashed input, so that no context is a prefix of another context's input.
public struct DomainSeparation: Hashable, Sendable, CustomStringConvertible {
    public let context: String

    private init(_ context: String) { self.context = context }

    /// An organisation signature enrolling a staff member's keys.
    public static let enrolment = DomainSeparation("netreach/v1/enrolment")
    /// An organisation signature revoking a staff member's keys.
    public static let revocation = DomainSeparation("netreach/v1/revocation")
    /// An organisation signature certifying one relay's checkpoint-signing key.
    public static let relayCertificate = DomainSeparation("netreach/v1/relay-certificate")
    /// The header hash of a private key file, bound into its ciphertext so an edited header is detected.
    public static let privateKeyFile = DomainSeparation("netreach/v1/private-key-file")
    /// The 16-byte key id that names an Ed25519 key (an event's author).
    public static let keyID = DomainSeparation("netreach/v1/key-id")
    /// The fingerprint two people read to each other to check a key.
    public static let fingerprint = DomainSeparation("netreach/v1/fingerprint")
    /// The 4-bit checksum of a visitor's resume phrase.
    public static let phrase = DomainSeparation("netreach/v1/phrase")
    /// A visitor's keys, derived from the phrase's entropy.
    public static let visitorKeys = DomainSeparation("netreach/v1/visitor-keys")
    /// A conversation's id, derived from the visitor's Ed25519 key.
    public static let conversationID = DomainSeparation("netreach/v1/conversation-id")
    /// An author's signature over an event.
    public static let event = DomainSeparation("netreach/v1/event")
    /// A client's signature over its connection's challenge.
    public static let auth = DomainSeparation("netreach/v1/auth")
    /// The proof of work that opening a conversation costs.
    public static let pow = DomainSeparation("netreach/v1/pow")
    /// The salt of an organisation's alert feed, derived from its public key.
    public static let alertFeedSalt = DomainSeparation("netreach/v1/alert-feed-salt")
    /// The hash of a perpetrator identifier in a safety alert, which a checker compares.
    public static let identifier = DomainSeparation("netreach/v1/identifier")

    /// The id of a relay's erasure record (`content.erased`), derived from what it lists.
    public static let erasureRecord = DomainSeparation("netreach/v1/erasure-record")

    /// The 16-byte id that names a staff member's period key in a wrap (docs/KEYS.md, "Period keys").
    public static let periodKeyID = DomainSeparation("netreach/v1/period-key-id")
    /// The key that encrypts a staff member's period key secrets on their machine.
    public static let periodKeysFile = DomainSeparation("netreach/v1/period-keys-file")
    /// The 16-byte id that names a conversation or staff key made by `key.rotated` (docs/KEYS.md, "Offboarding").
    public static let rotatedKeyID = DomainSeparation("netreach/v1/rotated-key-id")

    /// The bytes that precede a message of this kind: the context and a zero byte.
    public var prefix: [UInt8] { Array(context.utf8) + [0] }

    /// `prefix ‖ message`: the exact input to sign, verify or hash.
    public func input(_ message: [UInt8]) -> [UInt8] { prefix + message }

    public var description: String { context }
}
