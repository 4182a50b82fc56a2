/// The context strings that prefix every signed message and every derived key (docs/KEYS.md),
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
    /// The key that encrypts a private key file at rest (Argon2id output).
    public static let privateKeyFile = DomainSeparation("netreach/v1/private-key-file")

    /// The bytes that precede a message of this kind: the context and a zero byte.
    public var prefix: [UInt8] { Array(context.utf8) + [0] }

    /// `prefix ‖ message`: the exact input to sign, verify or hash.
    public func input(_ message: [UInt8]) -> [UInt8] { prefix + message }

    public var description: String { context }
}
