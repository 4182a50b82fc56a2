import Sodium

/// Every enrolment in a keyring, revoked ones included, by signing key and by key id. Events
/// signed and keys wrapped before a revocation stay valid, so readers must still find their authors.
struct StaffLookup: Sendable {
    private let bySignKey: [SigningPublicKey: EnrolmentCertificate]
    private let byKeyID: [KeyID: EnrolmentCertificate]

    init(_ keyring: Keyring) {
        // Keyring refuses duplicate keys and key ids; keeping the first only guarantees no trap.
        bySignKey = Dictionary(keyring.certificates.map { ($0.signKey, $0) }, uniquingKeysWith: { first, _ in first })
        byKeyID = Dictionary(keyring.certificates.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func certificate(signKey: SigningPublicKey) -> EnrolmentCertificate? { bySignKey[signKey] }

    func certificate(keyID: KeyID) -> EnrolmentCertificate? { byKeyID[keyID] }

    func name(of keyID: KeyID) -> String? { byKeyID[keyID]?.name.text }
}
