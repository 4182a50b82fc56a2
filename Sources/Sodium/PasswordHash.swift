import CSodium

/// Argon2id key derivation (`crypto_pwhash` with `crypto_pwhash_ALG_ARGON2ID13`), used to encrypt
/// private keys at rest under a passphrase.
public enum PasswordHash {
    public static let saltCount = Int(crypto_pwhash_SALTBYTES)

    /// The cost of one derivation: passes over memory, and memory in bytes.
    public struct Limits: Hashable, Sendable, CustomStringConvertible {
        public let opsLimit: UInt64
        public let memLimit: Int

        /// Throws `invalidParameter` when libsodium's Argon2id would refuse these limits.
        public init(opsLimit: UInt64, memLimit: Int) throws(SodiumError) {
            Sodium.ensureInitialised()
            let opsRange = UInt64(crypto_pwhash_argon2id_opslimit_min())...UInt64(crypto_pwhash_argon2id_opslimit_max())
            guard opsRange.contains(opsLimit) else {
                throw SodiumError(.invalidParameter, "Argon2id opslimit must be in \(opsRange), got \(opsLimit)")
            }
            let memMin = Int(crypto_pwhash_argon2id_memlimit_min())
            let memMax = Int(clamping: crypto_pwhash_argon2id_memlimit_max())
            guard (memMin...memMax).contains(memLimit) else {
                throw SodiumError(.invalidParameter, "Argon2id memlimit must be in \(memMin)…\(memMax), got \(memLimit)")
            }
            self.opsLimit = opsLimit
            self.memLimit = memLimit
        }

        /// libsodium's interactive limits (2 passes, 64 MiB): for tests and low-value keys only.
        public static let interactive = try! Limits(opsLimit: UInt64(crypto_pwhash_argon2id_opslimit_interactive()),
                                                    memLimit: Int(crypto_pwhash_argon2id_memlimit_interactive()))
        /// libsodium's moderate limits (3 passes, 256 MiB): the default for staff private keys.
        public static let moderate = try! Limits(opsLimit: UInt64(crypto_pwhash_argon2id_opslimit_moderate()),
                                                 memLimit: Int(crypto_pwhash_argon2id_memlimit_moderate()))
        /// libsodium's sensitive limits (4 passes, 1 GiB): for the organisation root key.
        public static let sensitive = try! Limits(opsLimit: UInt64(crypto_pwhash_argon2id_opslimit_sensitive()),
                                                  memLimit: Int(crypto_pwhash_argon2id_memlimit_sensitive()))

        public var description: String { "opslimit \(opsLimit), memlimit \(memLimit) bytes" }
    }

    /// Derives `outputCount` secret bytes from `passphrase` and a 16-byte `salt`.
    public static func deriveKey(outputCount: Int, passphrase: some ByteInput, salt: some ByteInput,
                                 limits: Limits) throws(SodiumError) -> SecureBytes {
        Sodium.ensureInitialised()
        let saltBytes = try exactBytes(salt, count: saltCount, what: "an Argon2id salt")
        let outputRange = Int(crypto_pwhash_argon2id_bytes_min())...Int(clamping: crypto_pwhash_argon2id_bytes_max())
        guard outputRange.contains(outputCount) else {
            throw SodiumError(.invalidParameter, "an Argon2id output must be at least \(outputRange.lowerBound) bytes")
        }
        return try SecureBytes(count: outputCount) { (out: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let status = passphrase.withByteInput { p in
                saltBytes.withUnsafeBytes { s in
                    UnsafeRawPointer(basePointer(p)).withMemoryRebound(to: CChar.self, capacity: Swift.max(p.count, 1)) { pc in
                        crypto_pwhash(out.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(outputCount),
                                      pc, UInt64(p.count), basePointer(s),
                                      limits.opsLimit, limits.memLimit, crypto_pwhash_ALG_ARGON2ID13)
                    }
                }
            }
            guard status == 0 else {
                throw SodiumError(.operationFailed, "Argon2id failed (\(limits)): most likely out of memory")
            }
        }
    }
}
