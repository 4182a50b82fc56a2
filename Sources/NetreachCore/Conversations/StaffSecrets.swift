public import Sodium

/// What a staff member's machine holds, in memory only, to read conversations: the private halves
/// of the enrolled keys. The key id is derived from the signing key, so the three always agree.
public struct StaffSecrets: Sendable {
    public let keyID: KeyID
    public let signing: SigningKeyPair
    public let box: BoxKeyPair

    public init(signing: SigningKeyPair, box: BoxKeyPair) {
        keyID = KeyID(signing.publicKey)
        self.signing = signing
        self.box = box
    }
}
