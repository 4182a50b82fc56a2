public import Sodium

/// What a staff member's machine holds, in memory only, to read conversations: the private halves
/// of the enrolled keys, and of the period keys still held (docs/KEYS.md, "Period keys"). The key
/// id is derived from the signing key, so the three always agree.
public struct StaffSecrets: Sendable {
    public let keyID: KeyID
    public let signing: SigningKeyPair
    public let box: BoxKeyPair
    /// The period keys' X25519 key pairs by the key id a wrap names them with.
    public let periodBoxes: [[UInt8]: BoxKeyPair]

    public init(signing: SigningKeyPair, box: BoxKeyPair, periodBoxes: [BoxKeyPair] = []) {
        keyID = KeyID(signing.publicKey)
        self.signing = signing
        self.box = box
        var byID: [[UInt8]: BoxKeyPair] = [:]
        for pair in periodBoxes { byID[PeriodKey.keyID(staff: signing.publicKey, boxKey: pair.publicKey)] = pair }
        self.periodBoxes = byID
    }

    /// The key pair that opens a wrap to `recipient`: the enrolled one, a held period key's, or none.
    public func box(for recipient: [UInt8]) -> BoxKeyPair? {
        recipient == keyID.bytes ? box : periodBoxes[recipient]
    }
}
