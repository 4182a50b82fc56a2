import Foundation
public import NetreachCore
public import Sodium

/// A staff member's own keys on their machine (docs/KEYS.md): `$NETREACH_HOME/NAME.key`, encrypted
/// with their passphrase, and `NAME.pub`, the public half they carry to the organisation.
public struct StaffCredentials: Sendable {
    public let name: StaffName
    public let signing: SigningKeyPair
    public let box: BoxKeyPair

    public var publicKey: StaffPublicKey { StaffPublicKey(name: name, signKey: signing.publicKey, boxKey: box.publicKey) }
    public var keyID: KeyID { KeyID(signing.publicKey) }
    public var fingerprint: Fingerprint { publicKey.fingerprint }

    /// Makes new keys, writes the encrypted private file and the public file into `home`; refuses
    /// to replace either, since that would lose a key.
    public static func create(name: StaffName, home: NetreachHome, passphrase: SecureBytes,
                              limits: PasswordHash.Limits = PrivateKeyKind.staff.defaultLimits) throws(KeyError) -> StaffCredentials {
        try home.createFolder()
        let keyPath = home.privateKeyPath(name), publicPath = home.publicKeyPath(name)
        for path in [keyPath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw KeyError(code: .ioError, "\(path) already exists; a staff member has one key (remove it only if you mean to lose it)")
        }
        let credentials = StaffCredentials(name: name, signing: .generate(), box: .generate())
        try EncryptedPrivateKeyFile.write(
            try EncryptedPrivateKeyFile.create(kind: .staff, name: name.text, secrets: credentials.secrets, passphrase: passphrase, limits: limits),
            to: keyPath)
        try KeyFileStorage.writeAtomically(credentials.publicKey.fileBytes, to: publicPath, permissions: 0o644)
        return credentials
    }

    /// Opens `NAME.key` in `home`; `name` may be left out when the folder holds exactly one staff key.
    public static func load(home: NetreachHome, name: String?, passphrase: SecureBytes) throws(KeyError) -> StaffCredentials {
        let chosen = try resolveName(home: home, name: name)
        let path = home.privateKeyPath(chosen)
        let file = try EncryptedPrivateKeyFile(parsing: try KeyFileStorage.read(path: path), fileName: path)
        guard file.kind == .staff else { throw KeyError(code: .invalidValue, "\(path) holds a \(file.kind) key, not a staff key") }
        let secrets = try file.open(passphrase: passphrase)
        do {
            return try StaffCredentials(name: chosen, secrets: secrets)
        } catch {
            throw KeyError(code: .invalidValue, "\(path) does not hold staff keys")
        }
    }

    init(name: StaffName, signing: SigningKeyPair, box: BoxKeyPair) {
        self.name = name
        self.signing = signing
        self.box = box
    }

    /// The keys from their 64 secret bytes: the Ed25519 seed, then the X25519 secret key (the key
    /// file's layout, and what the unlock agent holds).
    public init(name: StaffName, secrets: SecureBytes) throws {
        guard secrets.count == 64 else { throw KeyError(code: .invalidValue, "staff keys are 64 secret bytes, not \(secrets.count)") }
        (signing, box) = try secrets.withByteInput { bytes in
            (try SigningKeyPair(seed: UnsafeRawBufferPointer(rebasing: bytes[0..<32])),
             try BoxKeyPair(secretKey: UnsafeRawBufferPointer(rebasing: bytes[32..<64])))
        }
        self.name = name
    }

    /// The 64 secret bytes of `init(name:secrets:)`, for the unlock agent.
    public var secrets: SecureBytes {
        SecureBytes(count: 64) { out in
            signing.seed.withByteInput { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32) }
            box.secretKey.withByteInput { (out.baseAddress! + 32).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
    }

    /// Reads the public file only (no passphrase needed): for `whoami` and fingerprints.
    public static func loadPublic(home: NetreachHome, name: String?) throws(KeyError) -> StaffPublicKey {
        let chosen = try resolveName(home: home, name: name)
        let path = home.publicKeyPath(chosen)
        return try StaffPublicKey(parsing: try KeyFileStorage.read(path: path), fileName: path)
    }

    /// The staff names with a key in `home`.
    public static func names(in home: NetreachHome) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? []
        return entries.filter { $0.hasSuffix(".key") }.map { String($0.dropLast(4)) }.filter { (try? StaffName($0)) != nil }.sorted()
    }

    private static func resolveName(home: NetreachHome, name: String?) throws(KeyError) -> StaffName {
        if let name { return try StaffName(name) }
        let names = names(in: home)
        switch names.count {
        case 0: throw KeyError(code: .ioError, "no staff key in \(home.path); make one with: netreach staff init --name NAME")
        case 1: return try StaffName(names[0])
        default: throw KeyError(code: .invalidValue, "\(home.path) holds keys for \(names.joined(separator: ", ")); choose one with --name")
        }
    }
}
