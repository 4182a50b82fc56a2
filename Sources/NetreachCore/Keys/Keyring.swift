public import Sodium

/// The deployment's verified keyring (docs/KEYS.md, "Keyring"): the organisation key, the staff
/// it enrolled, and the keys it revoked. A value exists only if every file verified; a keyring
/// that is partly wrong is refused whole, because someone may have tampered with it.
public struct Keyring: Sendable {
    public let organisation: OrganisationPublicKey
    /// Enrolled members whose keys are not revoked, by name.
    public let active: [EnrolledStaff]
    /// Every certificate, revoked ones included, in the order given.
    public let certificates: [EnrolmentCertificate]
    public let revocations: [Revocation]
    /// Every relay certificate, revoked ones included (`relays/*.cert`; none for a deployment that
    /// has one relay and never certified it).
    public let relays: [RelayCertificate]
    /// The relay keys certified and not revoked: any of them may sign the log's checkpoints.
    public let activeRelayKeys: Set<SigningPublicKey>

    private let activeBySignKey: [SigningPublicKey: EnrolledStaff]
    private let activeByKeyID: [KeyID: EnrolledStaff]
    private let revokedKeys: Set<SigningPublicKey>

    /// Loads `DIRECTORY/org.pub`, `DIRECTORY/staff/*.cert`, `DIRECTORY/relays/*.cert` and
    /// `DIRECTORY/revoked/*.rev`. A missing `staff/`, `relays/` or `revoked/` folder is empty (git cannot hold an empty folder); any other entry in
    /// them than a `.cert` or `.rev` file is refused, so nothing in the keyring goes unnoticed.
    public static func load(directory: String) throws(KeyError) -> Keyring {
        let orgPath = directory + "/org.pub"
        let organisation = try OrganisationPublicKey(parsing: KeyFileStorage.read(path: orgPath), fileName: orgPath)
        return try Keyring(organisation: organisation,
                           certificates: files(in: directory + "/staff", ending: ".cert"),
                           revocations: files(in: directory + "/revoked", ending: ".rev"),
                           relays: files(in: directory + "/relays", ending: ".cert"))
    }

    /// Verifies certificates and revocations under `organisation` (the key in `org.pub`, or one the
    /// client was given out of band) and checks the rules that tie them together.
    public init(organisation: OrganisationPublicKey, certificates: [KeyFile], revocations: [KeyFile],
                relays relayFiles: [KeyFile] = []) throws(KeyError) {
        var byName: [StaffName: KeyFile] = [:]
        var bySignKey: [SigningPublicKey: (KeyFile, EnrolmentCertificate)] = [:]
        var byBoxKey: [BoxPublicKey: KeyFile] = [:]
        var bySerial: [EnrolmentSerial: (KeyFile, EnrolmentCertificate)] = [:]
        var byKeyID: [KeyID: KeyFile] = [:]
        var verified: [EnrolmentCertificate] = []
        for file in certificates {
            let certificate = try EnrolmentCertificate(verifying: file.bytes, organisation: organisation, fileName: file.path)
            if let fileName = file.fileName, fileName != certificate.fileName {
                throw KeyError(code: .fileNameMismatch, "a certificate for '\(certificate.name)' must be named "
                               + "'\(certificate.fileName)'", file: file.path)
            }
            if certificate.signKey == organisation.signKey {
                throw KeyError(code: .duplicate, "the certificate enrols the organisation's own key", file: file.path)
            }
            func duplicate(_ what: String, _ other: KeyFile?) throws(KeyError) {
                guard let other else { return }
                throw KeyError(code: .duplicate, "the certificate has the same \(what) as \(other.path)", file: file.path)
            }
            try duplicate("name", byName[certificate.name])
            try duplicate("signing key", bySignKey[certificate.signKey]?.0)
            try duplicate("box key", byBoxKey[certificate.boxKey])
            try duplicate("serial", bySerial[certificate.serial]?.0)
            try duplicate("key id", byKeyID[certificate.keyID])
            byName[certificate.name] = file
            bySignKey[certificate.signKey] = (file, certificate)
            byBoxKey[certificate.boxKey] = file
            bySerial[certificate.serial] = (file, certificate)
            byKeyID[certificate.keyID] = file
            verified.append(certificate)
        }

        // Relay certificates: names, keys and serials unique among relays, and no relay key is a
        // staff member's or the organisation's (one key, one purpose).
        var relays: [RelayCertificate] = []
        var relayByName: [StaffName: KeyFile] = [:]
        var relayByKey: [SigningPublicKey: (KeyFile, RelayCertificate)] = [:]
        var relayBySerial: [EnrolmentSerial: (KeyFile, RelayCertificate)] = [:]
        for file in relayFiles {
            let relay = try RelayCertificate(verifying: file.bytes, organisation: organisation, fileName: file.path)
            if let fileName = file.fileName, fileName != relay.fileName {
                throw KeyError(code: .fileNameMismatch, "a relay certificate for '\(relay.name)' must be named '\(relay.fileName)'", file: file.path)
            }
            if relay.signKey == organisation.signKey {
                throw KeyError(code: .duplicate, "the relay certificate names the organisation's own key", file: file.path)
            }
            func duplicate(_ what: String, _ other: KeyFile?) throws(KeyError) {
                guard let other else { return }
                throw KeyError(code: .duplicate, "the relay certificate has the same \(what) as \(other.path)", file: file.path)
            }
            try duplicate("name", relayByName[relay.name])
            try duplicate("key", relayByKey[relay.signKey]?.0 ?? bySignKey[relay.signKey]?.0)
            try duplicate("serial", relayBySerial[relay.serial]?.0 ?? bySerial[relay.serial]?.0)
            relayByName[relay.name] = file
            relayByKey[relay.signKey] = (file, relay)
            relayBySerial[relay.serial] = (file, relay)
            relays.append(relay)
        }

        var revokedKeys: Set<SigningPublicKey> = []
        var revoked: [Revocation] = []
        for file in revocations {
            let revocation = try Revocation(verifying: file.bytes, organisation: organisation, fileName: file.path)
            if let fileName = file.fileName, fileName != revocation.fileName {
                throw KeyError(code: .fileNameMismatch, "a revocation of '\(revocation.name)' with serial "
                               + "\(revocation.serial) must be named '\(revocation.fileName)'", file: file.path)
            }
            // A revocation is bound to one enrolment by both its serial and its key: if either
            // names a certificate here, the other must name the same one.
            if case let (other, certificate)? = bySignKey[revocation.signKey] ?? bySerial[revocation.serial],
               certificate.signKey != revocation.signKey || certificate.serial != revocation.serial
               || certificate.name != revocation.name {
                throw KeyError(code: .revocationMismatch, "the revocation ('\(revocation.name)', serial "
                               + "\(revocation.serial)) does not match the enrolment it names in \(other.path) "
                               + "('\(certificate.name)', serial \(certificate.serial))", file: file.path)
            }
            // The same binding for a revoked relay key.
            if case let (other, relay)? = relayByKey[revocation.signKey] ?? relayBySerial[revocation.serial],
               relay.signKey != revocation.signKey || relay.serial != revocation.serial || relay.name != revocation.name {
                throw KeyError(code: .revocationMismatch, "the revocation ('\(revocation.name)', serial "
                               + "\(revocation.serial)) does not match the relay certificate it names in \(other.path) "
                               + "('\(relay.name)', serial \(relay.serial))", file: file.path)
            }
            revokedKeys.insert(revocation.signKey)
            revoked.append(revocation)
        }

        let active = verified.filter { !revokedKeys.contains($0.signKey) }.map(EnrolledStaff.init).sorted { $0.name < $1.name }
        self.organisation = organisation
        self.active = active
        self.certificates = verified
        self.revocations = revoked
        self.relays = relays
        activeRelayKeys = Set(relays.map(\.signKey).filter { !revokedKeys.contains($0) })
        self.revokedKeys = revokedKeys
        // Keys and key ids are unique by the checks above; keeping the first is only so this can never trap.
        activeBySignKey = Dictionary(active.map { ($0.signKey, $0) }, uniquingKeysWith: { first, _ in first })
        activeByKeyID = Dictionary(active.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The active member with this key id, if any (nil for revoked and unknown keys).
    public func member(keyID: KeyID) -> EnrolledStaff? { activeByKeyID[keyID] }

    /// The active member with this signing key, if any (nil for revoked and unknown keys).
    public func member(signKey: SigningPublicKey) -> EnrolledStaff? { activeBySignKey[signKey] }

    /// Whether a verified revocation in this keyring names `signKey`. Revocation is permanent, so
    /// this stays true even if the key's certificate is later removed from the folder.
    public func isRevoked(_ signKey: SigningPublicKey) -> Bool { revokedKeys.contains(signKey) }

    private static func files(in directory: String, ending suffix: String) throws(KeyError) -> [KeyFile] {
        guard let names = try KeyFileStorage.entries(of: directory) else { return [] }
        var files: [KeyFile] = []
        for name in names {
            let path = directory + "/" + name
            guard name.hasSuffix(suffix), !name.hasPrefix(".") else {
                throw KeyError(code: .unexpectedFile, "only \(suffix) files belong in this folder", file: path)
            }
            files.append(KeyFile(path: path, bytes: try KeyFileStorage.read(path: path)))
        }
        return files
    }
}
