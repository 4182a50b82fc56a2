public import Sodium

/// A private key encrypted under a passphrase (docs/KEYS.md, "Encrypted private key file"): the
/// header as read, before the passphrase is known. `open(passphrase:)` decrypts it.
public struct EncryptedPrivateKeyFile: Hashable, Sendable {
    public static let magic = "netreach-private-key-v1"
    /// The one key derivation the format has: Argon2id, version 1.3.
    public static let kdf = "argon2id13"
    /// The bytes of the header hash at the start of the plaintext.
    static let headerHashCount = 32

    public let kind: PrivateKeyKind
    /// The owner's name, in the **name** encoding (a staff name, the deployment, the relay).
    public let name: String
    public let limits: PasswordHash.Limits
    public let salt: [UInt8]
    public let nonce: Nonce
    public let ciphertext: [UInt8]
    /// `SHA-512("netreach/v1/private-key-file\0" ‖ header)[0..<32]` of the header as read.
    let headerHash: [UInt8]

    /// Reads the header. Limits below `interactive` or above `sensitive` are refused here, before
    /// any key derivation, so a tampered file can neither make guessing cheap nor exhaust memory.
    public init(parsing bytes: [UInt8], fileName: String? = nil) throws(KeyError) {
        self = try KeyError.naming(file: fileName) { () throws(KeyError) in
            var reader = try KeyFileReader(bytes, magic: EncryptedPrivateKeyFile.magic)
            let kindLine = try reader.read("kind")
            let nameLine = try reader.read("name")
            let kdfLine = try reader.read("kdf")
            let opsLine = try reader.read("opslimit")
            let memLine = try reader.read("memlimit")
            let saltLine = try reader.read("salt")
            let nonceLine = try reader.read("nonce")
            let ciphertextLine = try reader.read("ciphertext")
            try reader.finish()

            let kind = try kindLine.interpret(PrivateKeyKind.init(parsing:))
            let name = try nameLine.interpret { text throws(KeyError) in
                try StaffName.check(text, what: "a key's name")
                return text
            }
            guard kdfLine.value == EncryptedPrivateKeyFile.kdf else {
                throw KeyError(code: .invalidValue, "the only kdf is '\(EncryptedPrivateKeyFile.kdf)', got "
                               + "'\(shortened(kdfLine.value))'", line: kdfLine.number)
            }
            let ops = try opsLine.interpret { text throws(KeyError) in try KeyEncoding.decodeDecimal(text, what: "opslimit") }
            let mem = try memLine.interpret { text throws(KeyError) in try KeyEncoding.decodeDecimal(text, what: "memlimit") }
            try opsLine.interpret { _ throws(KeyError) in try EncryptedPrivateKeyFile.checkOpsLimit(ops) }
            try memLine.interpret { _ throws(KeyError) in try EncryptedPrivateKeyFile.checkMemLimit(mem) }
            let limits = try EncryptedPrivateKeyFile.acceptedLimits(opsLimit: ops, memLimit: mem)
            let salt = try saltLine.bytes(count: PasswordHash.saltCount, what: "the salt")
            let nonceBytes = try nonceLine.bytes(count: Nonce.count, what: "the nonce")
            // A ciphertext of any length is read: one that is too short or too long fails to open
            // like a wrong passphrase does, by design.
            let ciphertext = try ciphertextLine.interpret { text throws(KeyError) in
                try KeyEncoding.decodeBase64(text, count: nil, what: "the ciphertext")
            }
            guard let nonce = try? Nonce(nonceBytes) else {
                throw KeyError(code: .invalidValue, "the nonce is not \(Nonce.count) bytes", line: nonceLine.number)
            }
            return EncryptedPrivateKeyFile(
                kind: kind, name: name, limits: limits, salt: salt, nonce: nonce, ciphertext: ciphertext,
                headerHash: EncryptedPrivateKeyFile.headerHash(of: reader.bytes(through: nonceLine)))
        }
    }

    private init(kind: PrivateKeyKind, name: String, limits: PasswordHash.Limits, salt: [UInt8], nonce: Nonce,
         ciphertext: [UInt8], headerHash: [UInt8]) {
        self.kind = kind
        self.name = name
        self.limits = limits
        self.salt = salt
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.headerHash = headerHash
    }

    /// The limits a reader accepts: from libsodium's `interactive` to its `sensitive`, both included.
    public static func acceptedLimits(opsLimit: UInt64, memLimit: UInt64) throws(KeyError) -> PasswordHash.Limits {
        try checkOpsLimit(opsLimit)
        try checkMemLimit(memLimit)
        guard let limits = try? PasswordHash.Limits(opsLimit: opsLimit, memLimit: Int(memLimit)) else {
            throw KeyError(code: .limitsOutOfRange, "libsodium refuses opslimit \(opsLimit), memlimit \(memLimit)")
        }
        return limits
    }

    static func checkOpsLimit(_ opsLimit: UInt64) throws(KeyError) {
        let low = PasswordHash.Limits.interactive.opsLimit, high = PasswordHash.Limits.sensitive.opsLimit
        guard (low...high).contains(opsLimit) else {
            throw KeyError(code: .limitsOutOfRange, "opslimit must lie between \(low) (interactive) and \(high) "
                           + "(sensitive), got \(opsLimit)")
        }
    }

    static func checkMemLimit(_ memLimit: UInt64) throws(KeyError) {
        let low = UInt64(PasswordHash.Limits.interactive.memLimit), high = UInt64(PasswordHash.Limits.sensitive.memLimit)
        guard (low...high).contains(memLimit) else {
            throw KeyError(code: .limitsOutOfRange, "memlimit must lie between \(low) (interactive) and \(high) "
                           + "(sensitive) bytes, got \(memLimit)")
        }
    }

    /// The header hash of the bytes up to and including the LF that ends the `nonce:` line.
    static func headerHash(of header: some Collection<UInt8>) -> [UInt8] {
        Array(SHA512.hash(DomainSeparation.privateKeyFile.input(Array(header))).prefix(headerHashCount))
    }
}
