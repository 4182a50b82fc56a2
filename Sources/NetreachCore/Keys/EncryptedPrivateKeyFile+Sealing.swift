public import Sodium

extension EncryptedPrivateKeyFile {
    /// Encrypts `secrets` (the Ed25519 seed, then for `staff` the X25519 secret key) under
    /// `passphrase` and returns the exact bytes of the file. Limits outside interactive…sensitive
    /// are refused, because no reader would open the file; so is an empty passphrase, which would
    /// leave the key as good as unencrypted.
    public static func create(kind: PrivateKeyKind, name: String, secrets: SecureBytes, passphrase: some ByteInput,
                              limits: PasswordHash.Limits) throws(KeyError) -> [UInt8] {
        try StaffName.check(name, what: "a key's name")
        guard secrets.count == kind.secretsCount else {
            throw KeyError(code: .invalidValue, "a \(kind) key file holds \(kind.secretsCount) secret bytes, got \(secrets.count)")
        }
        guard passphrase.withByteInput({ !$0.isEmpty }) else {
            throw KeyError(code: .invalidValue, "the passphrase is empty")
        }
        _ = try acceptedLimits(opsLimit: limits.opsLimit, memLimit: UInt64(limits.memLimit))
        let salt = Random.bytes(count: PasswordHash.saltCount)
        let nonce = Nonce.random()

        var writer = KeyFileWriter(magic: magic)
        writer.add("kind", kind.rawValue)
        writer.add("name", name)
        writer.add("kdf", kdf)
        writer.add("opslimit", String(limits.opsLimit))
        writer.add("memlimit", String(limits.memLimit))
        writer.add("salt", Base64URL.encode(salt))
        writer.add("nonce", Base64URL.encode(nonce))
        let hash = headerHash(of: writer.bytes)

        let key = try deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        // Built in place in protected storage, so the secrets never pass through an ordinary array.
        let plaintext = SecureBytes(count: headerHashCount + secrets.count) { out in
            hash.withUnsafeBytes { out.copyMemory(from: $0) }
            secrets.withByteInput { source in
                UnsafeMutableRawBufferPointer(rebasing: out[headerHashCount...]).copyMemory(from: source)
            }
        }
        guard let ciphertext = try? SecretBox.seal(plaintext, nonce: nonce, key: key) else {
            throw KeyError(code: .keyDerivationFailed, "the derived key is not \(SecretBox.keyCount) bytes")
        }
        writer.add("ciphertext", Base64URL.encode(ciphertext))
        return writer.bytes
    }

    /// Decrypts the secrets: `wrongPassphrase` when the secretbox does not authenticate (a wrong
    /// passphrase and a damaged ciphertext look the same, by design), `headerTampered` when it
    /// does but the header hash inside differs from the header's (the kind, name or limits were edited).
    public func open(passphrase: some ByteInput) throws(KeyError) -> SecureBytes {
        let key = try Self.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        guard let plaintext = try? SecretBox.open(ciphertext, nonce: nonce, key: key) else {
            throw KeyError(code: .wrongPassphrase, "the private key did not decrypt: the passphrase is wrong or the "
                           + "file is damaged")
        }
        let hashMatches = plaintext.withByteInput { buffer in
            buffer.count >= Self.headerHashCount
                && Sodium.constantTimeEqual(UnsafeRawBufferPointer(rebasing: buffer[..<Self.headerHashCount]), headerHash)
        }
        guard hashMatches else {
            throw KeyError(code: .headerTampered, "the passphrase is right, but the file's header (kind, name or "
                           + "limits) was changed after the file was written")
        }
        let count = plaintext.count - Self.headerHashCount
        guard count == kind.secretsCount else {
            throw KeyError(code: .invalidValue, "a \(kind) key file holds \(kind.secretsCount) secret bytes, this one \(count)")
        }
        return SecureBytes(count: count) { out in
            plaintext.withByteInput { buffer in
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[Self.headerHashCount...]))
            }
        }
    }

    /// Reads the header of `bytes` and decrypts the secrets; `fileName` is named in any error.
    public static func open(bytes: [UInt8], passphrase: some ByteInput, fileName: String? = nil) throws(KeyError) -> SecureBytes {
        let file = try EncryptedPrivateKeyFile(parsing: bytes, fileName: fileName)
        return try KeyError.naming(file: fileName) { () throws(KeyError) in try file.open(passphrase: passphrase) }
    }

    /// Writes a private key file with mode 0600 to a temporary name, fsyncs it and renames it into
    /// place. The bytes must read as a private key file, so this can never write a key unencrypted;
    /// an existing file is never replaced, since that would lose the key it holds.
    public static func write(_ bytes: [UInt8], to path: String) throws(KeyError) {
        _ = try EncryptedPrivateKeyFile(parsing: bytes, fileName: path)
        try KeyFileStorage.writeAtomically(bytes, to: path, permissions: 0o600, replacing: false)
    }

    /// The passphrase held in a passphrase file: its exact bytes, less one trailing LF. The array
    /// is zeroed and emptied.
    public static func passphrase(fromFileContents contents: inout [UInt8]) -> SecureBytes {
        let end = contents.last == 0x0A ? contents.count - 1 : contents.count
        let passphrase = SecureBytes(copying: contents[..<end])
        Sodium.memzero(&contents)
        contents.removeAll()
        return passphrase
    }

    private static func deriveKey(passphrase: some ByteInput, salt: [UInt8],
                                  limits: PasswordHash.Limits) throws(KeyError) -> SecureBytes {
        do {
            return try PasswordHash.deriveKey(outputCount: SecretBox.keyCount, passphrase: passphrase, salt: salt,
                                              limits: limits)
        } catch {
            throw KeyError(code: .keyDerivationFailed, "Argon2id failed: \(error.message)")
        }
    }
}
