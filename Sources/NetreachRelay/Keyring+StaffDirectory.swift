public import NetreachCore
public import Sodium

/// The deployment's keyring (`--keys DIR`, docs/KEYS.md) is the relay's staff directory.
extension Keyring: StaffDirectory {
    public func member(signingKey: SigningPublicKey) -> StaffMember? {
        guard let staff = member(signKey: signingKey) else { return nil }
        return StaffMember(name: staff.name.text, role: staff.role.rawValue, signKey: staff.signKey, boxKey: staff.boxKey)
    }

    public func revokedName(keyID: [UInt8]) -> String? {
        revocations.first { KeyID($0.signKey).bytes == keyID }?.name.text
    }

    public func isActive(keyID: [UInt8]) -> Bool {
        guard let id = try? KeyID(bytes: keyID) else { return false }
        return member(keyID: id) != nil
    }

    public var keyringDocument: [String: any Sendable] {
        ["org": String(decoding: organisation.fileBytes, as: UTF8.self),
         "staff": certificates.map { String(decoding: $0.fileBytes, as: UTF8.self) },
         "revoked": revocations.map { String(decoding: $0.fileBytes, as: UTF8.self) },
         "relays": relays.map { String(decoding: $0.fileBytes, as: UTF8.self) }]
    }
}
