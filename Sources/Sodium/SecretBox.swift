import CSodium

/// Secret-key authenticated encryption: `crypto_secretbox_easy` (XSalsa20, Poly1305).
public enum SecretBox {
    public static let keyCount = Int(crypto_secretbox_KEYBYTES)
    /// Bytes a ciphertext has beyond its plaintext (the Poly1305 tag).
    public static let macCount = Int(crypto_secretbox_MACBYTES)

    /// A fresh random key.
    public static func generateKey() -> SecureBytes {
        SecureBytes.random(count: keyCount)
    }

    /// Encrypts `message` under `key`. Never reuse a nonce with the same key; random nonces are safe.
    public static func seal(_ message: some ByteInput, nonce: Nonce, key: some ByteInput) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialised()
        try checkKey(key)
        return message.withByteInput { m in
            var out = [UInt8](repeating: 0, count: m.count + macCount)
            nonce.withByteInput { n in
                key.withByteInput { k in
                    out.withUnsafeMutableBytes { c in
                        _ = crypto_secretbox_easy(c.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(m),
                                                  UInt64(m.count), basePointer(n), basePointer(k))
                    }
                }
            }
            return out
        }
    }

    /// Decrypts and authenticates; throws `forgedCiphertext` if anything was altered or the key is wrong.
    public static func open(_ ciphertext: some ByteInput, nonce: Nonce, key: some ByteInput) throws(SodiumError) -> SecureBytes {
        Sodium.ensureInitialised()
        try checkKey(key)
        let count = ciphertext.withByteInput { $0.count }
        guard count >= macCount else {
            throw SodiumError(.forgedCiphertext, "a secretbox ciphertext is at least \(macCount) bytes, got \(count)")
        }
        return try SecureBytes(count: count - macCount) { (m: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let status = ciphertext.withByteInput { c in
                nonce.withByteInput { n in
                    key.withByteInput { k in
                        crypto_secretbox_open_easy(m.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(c),
                                                   UInt64(c.count), basePointer(n), basePointer(k))
                    }
                }
            }
            guard status == 0 else { throw SodiumError(.forgedCiphertext, "the secretbox did not authenticate") }
        }
    }

    private static func checkKey(_ key: some ByteInput) throws(SodiumError) {
        let count = key.withByteInput { $0.count }
        guard count == keyCount else { throw SodiumError.wrongLength("a secretbox key", expected: keyCount, got: count) }
    }
}
