import CSodium

/// An X25519 public key for `Box`.
public struct BoxPublicKey: Hashable, Sendable, ByteInput {
    public static let count = Int(crypto_box_PUBLICKEYBYTES)
    public let bytes: [UInt8]

    public init(_ bytes: some ByteInput) throws(SodiumError) {
        self.bytes = try exactBytes(bytes, count: BoxPublicKey.count, what: "a box public key")
    }

    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
}

/// An X25519 key pair for `Box`. The secret half is zeroed when the last copy is released.
public struct BoxKeyPair: Sendable {
    public static let secretKeyCount = Int(crypto_box_SECRETKEYBYTES)
    public static let seedCount = Int(crypto_box_SEEDBYTES)

    public let publicKey: BoxPublicKey
    public let secretKey: SecureBytes

    /// A fresh random key pair.
    public static func generate() -> BoxKeyPair {
        Sodium.ensureInitialised()
        var publicBytes = [UInt8](repeating: 0, count: BoxPublicKey.count)
        let secret = SecureBytes(count: secretKeyCount) { sk in
            publicBytes.withUnsafeMutableBytes { pk in
                _ = crypto_box_keypair(pk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                       sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return BoxKeyPair(publicKey: try! BoxPublicKey(publicBytes), secretKey: secret)
    }

    /// The key pair libsodium's `crypto_box_seed_keypair` derives from a 32-byte seed.
    public init(seed: some ByteInput) throws(SodiumError) {
        Sodium.ensureInitialised()
        let seedBytes = try exactSecret(seed, count: BoxKeyPair.seedCount, what: "a box seed")
        var publicBytes = [UInt8](repeating: 0, count: BoxPublicKey.count)
        secretKey = SecureBytes(count: BoxKeyPair.secretKeyCount) { sk in
            seedBytes.withByteInput { s in
                publicBytes.withUnsafeMutableBytes { pk in
                    _ = crypto_box_seed_keypair(pk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                sk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                basePointer(s))
                }
            }
        }
        publicKey = try! BoxPublicKey(publicBytes)
    }

    /// The key pair whose secret half is these 32 bytes (the public half is computed from it).
    /// This is how tweetnacl's `nacl.box.keyPair.fromSecretKey` works, so both sides agree.
    public init(secretKey: some ByteInput) throws(SodiumError) {
        Sodium.ensureInitialised()
        let secret = try exactSecret(secretKey, count: BoxKeyPair.secretKeyCount, what: "a box secret key")
        var publicBytes = [UInt8](repeating: 0, count: BoxPublicKey.count)
        secret.withByteInput { sk in
            publicBytes.withUnsafeMutableBytes { pk in
                _ = crypto_scalarmult_base(pk.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(sk))
            }
        }
        self.secretKey = secret
        self.publicKey = try! BoxPublicKey(publicBytes)
    }

    private init(publicKey: BoxPublicKey, secretKey: SecureBytes) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}

/// Public-key authenticated encryption: `crypto_box_easy` (X25519, XSalsa20, Poly1305).
public enum Box {
    /// Bytes a ciphertext has beyond its plaintext (the Poly1305 tag).
    public static let macCount = Int(crypto_box_MACBYTES)
    public static let sharedKeyCount = Int(crypto_box_BEFORENMBYTES)

    /// Encrypts `message` from `sender` to `recipient`. Never reuse a nonce with the same key pair.
    public static func seal(_ message: some ByteInput, nonce: Nonce, to recipient: BoxPublicKey,
                            from sender: BoxKeyPair) -> [UInt8] {
        Sodium.ensureInitialised()
        return message.withByteInput { m in
            var out = [UInt8](repeating: 0, count: m.count + macCount)
            nonce.withByteInput { n in
                recipient.withByteInput { pk in
                    sender.secretKey.withByteInput { sk in
                        out.withUnsafeMutableBytes { c in
                            _ = crypto_box_easy(c.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(m),
                                                UInt64(m.count), basePointer(n), basePointer(pk), basePointer(sk))
                        }
                    }
                }
            }
            return out
        }
    }

    /// Decrypts and authenticates; throws `forgedCiphertext` if anything was altered or the keys do not match.
    public static func open(_ ciphertext: some ByteInput, nonce: Nonce, from sender: BoxPublicKey,
                            to recipient: BoxKeyPair) throws(SodiumError) -> SecureBytes {
        Sodium.ensureInitialised()
        let length = try plaintextLength(ciphertext)
        return try SecureBytes(count: length) { (m: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let status = ciphertext.withByteInput { c in
                nonce.withByteInput { n in
                    sender.withByteInput { pk in
                        recipient.secretKey.withByteInput { sk in
                            crypto_box_open_easy(m.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(c),
                                                 UInt64(c.count), basePointer(n), basePointer(pk), basePointer(sk))
                        }
                    }
                }
            }
            guard status == 0 else { throw SodiumError(.forgedCiphertext, "the box did not authenticate") }
        }
    }

    /// The precomputed shared key of `crypto_box_beforenm`, for many messages between the same two keys.
    public static func sharedKey(between publicKey: BoxPublicKey, and keyPair: BoxKeyPair) throws(SodiumError) -> SecureBytes {
        Sodium.ensureInitialised()
        return try SecureBytes(count: sharedKeyCount) { (k: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let status = publicKey.withByteInput { pk in
                keyPair.secretKey.withByteInput { sk in
                    crypto_box_beforenm(k.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(pk), basePointer(sk))
                }
            }
            // libsodium refuses public keys of small order, which would give an all-zero shared secret.
            guard status == 0 else { throw SodiumError(.invalidParameter, "the public key is of small order") }
        }
    }

    /// `seal` with a precomputed shared key (`crypto_box_easy_afternm`).
    public static func seal(_ message: some ByteInput, nonce: Nonce, sharedKey: SecureBytes) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialised()
        guard sharedKey.count == sharedKeyCount else {
            throw SodiumError.wrongLength("a box shared key", expected: sharedKeyCount, got: sharedKey.count)
        }
        return message.withByteInput { m in
            var out = [UInt8](repeating: 0, count: m.count + macCount)
            nonce.withByteInput { n in
                sharedKey.withByteInput { k in
                    out.withUnsafeMutableBytes { c in
                        _ = crypto_box_easy_afternm(c.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(m),
                                                    UInt64(m.count), basePointer(n), basePointer(k))
                    }
                }
            }
            return out
        }
    }

    /// `open` with a precomputed shared key (`crypto_box_open_easy_afternm`).
    public static func open(_ ciphertext: some ByteInput, nonce: Nonce, sharedKey: SecureBytes) throws(SodiumError) -> SecureBytes {
        Sodium.ensureInitialised()
        guard sharedKey.count == sharedKeyCount else {
            throw SodiumError.wrongLength("a box shared key", expected: sharedKeyCount, got: sharedKey.count)
        }
        let length = try plaintextLength(ciphertext)
        return try SecureBytes(count: length) { (m: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let status = ciphertext.withByteInput { c in
                nonce.withByteInput { n in
                    sharedKey.withByteInput { k in
                        crypto_box_open_easy_afternm(m.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(c),
                                                     UInt64(c.count), basePointer(n), basePointer(k))
                    }
                }
            }
            guard status == 0 else { throw SodiumError(.forgedCiphertext, "the box did not authenticate") }
        }
    }

    private static func plaintextLength(_ ciphertext: some ByteInput) throws(SodiumError) -> Int {
        let count = ciphertext.withByteInput { $0.count }
        guard count >= macCount else {
            throw SodiumError(.forgedCiphertext, "a box ciphertext is at least \(macCount) bytes, got \(count)")
        }
        return count - macCount
    }
}
