import Foundation
public import NetreachCore
public import Sodium

/// The organisation's side of the key ceremony (Keys/README.md): making the root key, enrolling
/// staff and revoking them. Every step writes a whole file atomically, and checks that the keyring
/// still loads with it before writing, so a ceremony can never leave a keyring the relay refuses.
public enum OrganisationCeremony {
    /// Makes the organisation key: the private half encrypted to `privateKeyPath`, the public half to `KEYS/org.pub`.
    public static func initialise(name: DeploymentName, keysDirectory: String, privateKeyPath: String, passphrase: SecureBytes,
                                  limits: PasswordHash.Limits = PrivateKeyKind.org.defaultLimits) throws(KeyError) -> OrganisationPublicKey {
        let publicPath = keysDirectory + "/org.pub"
        for path in [publicPath, privateKeyPath] where FileManager.default.fileExists(atPath: path) {
            throw KeyError(code: .ioError, "\(path) already exists; an organisation has one root key")
        }
        for folder in [keysDirectory, keysDirectory + "/staff", keysDirectory + "/revoked"] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw KeyError(code: .ioError, "cannot create \(folder): \(error.localizedDescription)")
            }
        }
        let key = SigningKeyPair.generate()
        let organisation = OrganisationPublicKey(name: name, signKey: key.publicKey)
        try EncryptedPrivateKeyFile.write(
            try EncryptedPrivateKeyFile.create(kind: .org, name: name.text, secrets: key.seed, passphrase: passphrase, limits: limits),
            to: privateKeyPath)
        try KeyFileStorage.writeAtomically(organisation.fileBytes, to: publicPath, permissions: 0o644)
        return organisation
    }

    /// Reads `STAFF.pub` and the keyring, for showing the fingerprint before anything is signed.
    public static func readStaffKey(path: String) throws(KeyError) -> StaffPublicKey {
        try StaffPublicKey(parsing: try KeyFileStorage.read(path: path), fileName: path)
    }

    /// Signs an enrolment for `staff` and writes `KEYS/staff/NAME.cert`; `languages`, when not
    /// empty, are the languages the staff member speaks (`EnrolmentCertificate.checkLanguages`).
    public static func enrol(_ staff: StaffPublicKey, role: StaffRole, languages: [VisitorLanguage] = [], keysDirectory: String,
                             privateKeyPath: String, passphrase: SecureBytes, issued: KeyTimestamp) throws(KeyError) -> EnrolmentCertificate {
        if !languages.isEmpty { try EnrolmentCertificate.checkLanguages(languages) }
        let keyring = try Keyring.load(directory: keysDirectory)
        let key = try openOrganisationKey(path: privateKeyPath, passphrase: passphrase, matching: keyring.organisation)
        if keyring.certificates.contains(where: { $0.name == staff.name }) {
            throw KeyError(code: .duplicate, "\(staff.name) is already enrolled (a person who comes back gets a new name, e.g. \(staff.name)2)")
        }
        if keyring.certificates.contains(where: { $0.signKey == staff.signKey || $0.boxKey == staff.boxKey }) {
            throw KeyError(code: .duplicate, "these keys are already enrolled under another name")
        }
        let certificate = EnrolmentCertificate.issue(enrolling: staff, role: role, issued: issued, languages: languages,
                                                     organisationKey: key)
        let files = keyring.certificates.map { KeyFile(path: "staff/" + $0.fileName, bytes: $0.fileBytes) }
            + [KeyFile(path: "staff/" + certificate.fileName, bytes: certificate.fileBytes)]
        _ = try Keyring(organisation: keyring.organisation, certificates: files,
                        revocations: keyring.revocations.map { KeyFile(path: "revoked/" + $0.fileName, bytes: $0.fileBytes) },
                        relays: keyring.relays.map { KeyFile(path: "relays/" + $0.fileName, bytes: $0.fileBytes) })
        try KeyFileStorage.writeAtomically(certificate.fileBytes, to: keysDirectory + "/staff/" + certificate.fileName, permissions: 0o644)
        return certificate
    }

    /// Signs a revocation of `name`'s enrolment and writes `KEYS/revoked/NAME-SERIAL.rev`.
    public static func revoke(name: StaffName, reason: RevocationReason, keysDirectory: String, privateKeyPath: String,
                              passphrase: SecureBytes, revoked: KeyTimestamp) throws(KeyError) -> Revocation {
        let keyring = try Keyring.load(directory: keysDirectory)
        guard let certificate = keyring.certificates.first(where: { $0.name == name }) else {
            let known = keyring.certificates.map(\.name.text).sorted().joined(separator: ", ")
            throw KeyError(code: .invalidValue, "no enrolment named \(name) in \(keysDirectory) (enrolled: \(known.isEmpty ? "none" : known))")
        }
        if keyring.isRevoked(certificate.signKey) { throw KeyError(code: .duplicate, "\(name) is already revoked") }
        let key = try openOrganisationKey(path: privateKeyPath, passphrase: passphrase, matching: keyring.organisation)
        let revocation = Revocation.issue(revoking: certificate, revoked: revoked, reason: reason, organisationKey: key)
        try KeyFileStorage.writeAtomically(revocation.fileBytes, to: keysDirectory + "/revoked/" + revocation.fileName, permissions: 0o644)
        return revocation
    }

    /// Certifies a relay's key as `name` in `keysDirectory/relays/NAME.cert` (a deployment with
    /// several relays: one key per relay, docs/KEYS.md "Relay certificate").
    public static func certifyRelay(name: StaffName, signKey: SigningPublicKey, keysDirectory: String, privateKeyPath: String,
                                    passphrase: SecureBytes, issued: KeyTimestamp) throws(KeyError) -> RelayCertificate {
        let keyring = try Keyring.load(directory: keysDirectory)
        if keyring.relays.contains(where: { $0.name == name }) {
            throw KeyError(code: .duplicate, "a relay named \(name) is already certified in \(keysDirectory)/relays")
        }
        if keyring.relays.contains(where: { $0.signKey == signKey }) || keyring.certificates.contains(where: { $0.signKey == signKey })
            || keyring.organisation.signKey == signKey {
            throw KeyError(code: .duplicate, "that key is already in the keyring: a relay makes a key of its own (netreach-relay make-key)")
        }
        let key = try openOrganisationKey(path: privateKeyPath, passphrase: passphrase, matching: keyring.organisation)
        let certificate = RelayCertificate.issue(name: name, signKey: signKey, issued: issued, organisationKey: key)
        do {
            try FileManager.default.createDirectory(atPath: keysDirectory + "/relays", withIntermediateDirectories: true)
        } catch {
            throw KeyError(code: .ioError, "cannot make the folder: \(error.localizedDescription)", file: keysDirectory + "/relays")
        }
        try KeyFileStorage.writeAtomically(certificate.fileBytes, to: keysDirectory + "/relays/" + certificate.fileName, permissions: 0o644)
        return certificate
    }

    /// Revokes the relay certified as `name`: its checkpoints are no longer accepted, and a relay
    /// holding it refuses to start.
    public static func revokeRelay(name: StaffName, reason: RevocationReason, keysDirectory: String, privateKeyPath: String,
                                   passphrase: SecureBytes, revoked: KeyTimestamp) throws(KeyError) -> Revocation {
        let keyring = try Keyring.load(directory: keysDirectory)
        guard let relay = keyring.relays.first(where: { $0.name == name }) else {
            let known = keyring.relays.map(\.name.text).sorted().joined(separator: ", ")
            throw KeyError(code: .invalidValue, "no relay named \(name) in \(keysDirectory)/relays (certified: \(known.isEmpty ? "none" : known))")
        }
        if keyring.isRevoked(relay.signKey) { throw KeyError(code: .duplicate, "the relay \(name) is already revoked") }
        let key = try openOrganisationKey(path: privateKeyPath, passphrase: passphrase, matching: keyring.organisation)
        let revocation = Revocation.issue(revoking: relay, revoked: revoked, reason: reason, organisationKey: key)
        try KeyFileStorage.writeAtomically(revocation.fileBytes, to: keysDirectory + "/revoked/" + revocation.fileName, permissions: 0o644)
        return revocation
    }

    private static func openOrganisationKey(path: String, passphrase: SecureBytes,
                                            matching organisation: OrganisationPublicKey) throws(KeyError) -> SigningKeyPair {
        let file = try EncryptedPrivateKeyFile(parsing: try KeyFileStorage.read(path: path), fileName: path)
        guard file.kind == .org else { throw KeyError(code: .invalidValue, "\(path) holds a \(file.kind) key, not the organisation's") }
        let secrets = try file.open(passphrase: passphrase)
        let key: SigningKeyPair
        do { key = try SigningKeyPair(seed: secrets) } catch { throw KeyError(code: .invalidValue, "\(path) does not hold an Ed25519 seed") }
        guard key.publicKey == organisation.signKey else {
            throw KeyError(code: .invalidValue, "\(path) is not the key of this keyring's org.pub (\(organisation.fingerprint))")
        }
        return key
    }
}
