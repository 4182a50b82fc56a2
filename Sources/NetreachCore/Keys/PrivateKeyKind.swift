public import Sodium

/// Whose private key an encrypted private key file holds, which fixes what its secrets are.
public enum PrivateKeyKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// A staff member: the Ed25519 seed, then the X25519 secret key (64 bytes).
    case staff
    /// The organisation root key: the Ed25519 seed (32 bytes).
    case org
    /// The relay's checkpoint key: the Ed25519 seed (32 bytes).
    case relay

    /// Reads the value of a `kind:` line.
    public init(parsing text: String) throws(KeyError) {
        guard let kind = PrivateKeyKind(rawValue: text) else {
            throw KeyError(code: .invalidValue, "a kind is 'staff', 'org' or 'relay', got '\(shortened(text))'")
        }
        self = kind
    }

    /// The number of secret bytes the file holds for this kind.
    public var secretsCount: Int {
        switch self {
        case .staff: SigningKeyPair.seedCount + BoxKeyPair.secretKeyCount
        case .org, .relay: SigningKeyPair.seedCount
        }
    }

    /// The Argon2id limits docs/KEYS.md prescribes: `sensitive` for the organisation, `moderate` otherwise.
    public var defaultLimits: PasswordHash.Limits {
        switch self {
        case .org: .sensitive
        case .staff, .relay: .moderate
        }
    }

    public var description: String { rawValue }
}
