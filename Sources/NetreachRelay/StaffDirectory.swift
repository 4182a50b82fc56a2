import NetreachCore
public import Sodium

/// An enrolled staff member as the relay needs to know them.
public struct StaffMember: Sendable, Hashable {
    public let name: String
    public let role: String
    public let signKey: SigningPublicKey
    public let boxKey: BoxPublicKey
    /// `H(ctx("key-id") ‖ signKey)[0..<16]`: the author id the log records.
    public let keyID: [UInt8]

    public init(name: String, role: String, signKey: SigningPublicKey, boxKey: BoxPublicKey) {
        self.name = name
        self.role = role
        self.signKey = signKey
        self.boxKey = boxKey
        keyID = KeyID(signKey).bytes
    }
}

/// The staff keys the relay trusts, and the public keyring it serves (from `--keys DIR`).
public protocol StaffDirectory: Sendable {
    /// The active (enrolled, not revoked) member with this key.
    func member(signingKey: SigningPublicKey) -> StaffMember?
    /// Whether this key was enrolled and then revoked.
    func isRevoked(_ signingKey: SigningPublicKey) -> Bool
    /// The name of the staff member whose revoked key has this key id; nil for any other key id.
    func revokedName(keyID: [UInt8]) -> String?
    /// Whether an active (enrolled, unrevoked) member has this key id.
    func isActive(keyID: [UInt8]) -> Bool
    /// The document served at `GET /v1/keyring`: the files' texts, for clients to verify themselves.
    var keyringDocument: [String: any Sendable] { get }
}
