import CSodium

/// An Ed25519 public key.
public struct SigningPublicKey: Hashable, Sendable, ByteInput {
    public static let count = Int(crypto_sign_PUBLICKEYBYTES)
    public let bytes: [UInt8]

    public init(_ bytes: some ByteInput) throws(SodiumError) {
        self.bytes = try exactBytes(bytes, count: SigningPublicKey.count, what: "a signing public key")
    }

    /// Whether `signature` is this key's signature of `message`.
    public func isValidSignature(_ signature: Signature, for message: some ByteInput) -> Bool {
        Sodium.ensureInitialised()
        return message.withByteInput { m in
            signature.withByteInput { s in
                bytes.withUnsafeBytes { pk in
                    crypto_sign_verify_detached(basePointer(s), basePointer(m), UInt64(m.count), basePointer(pk)) == 0
                }
            }
        }
    }

    /// Throws `badSignature` unless `signature` is this key's signature of `message`.
    public func verify(_ signature: Signature, for message: some ByteInput) throws(SodiumError) {
        guard isValidSignature(signature, for: message) else {
            throw SodiumError(.badSignature, "the signature does not verify for this key and message")
        }
    }

    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
}

/// A detached Ed25519 signature.
public struct Signature: Hashable, Sendable, ByteInput {
    public static let count = Int(crypto_sign_BYTES)
    public let bytes: [UInt8]

    public init(_ bytes: some ByteInput) throws(SodiumError) {
        self.bytes = try exactBytes(bytes, count: Signature.count, what: "a signature")
    }

    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
}

/// An Ed25519 key pair. The secret half is zeroed when the last copy is released.
public struct SigningKeyPair: Sendable {
    public static let seedCount = Int(crypto_sign_SEEDBYTES)
    static let secretKeyCount = Int(crypto_sign_SECRETKEYBYTES)

    public let publicKey: SigningPublicKey
    /// libsodium's 64-byte secret key (seed followed by public key).
    private let secretKey: SecureBytes

    /// A fresh random key pair.
    public static func generate() -> SigningKeyPair {
        try! SigningKeyPair(seed: SecureBytes.random(count: seedCount))
    }

    /// The key pair that `crypto_sign_seed_keypair` (and tweetnacl's `nacl.sign.keyPair.fromSeed`) derive from 32 bytes.
    public init(seed: some ByteInput) throws(SodiumError) {
        Sodium.ensureInitialised()
        let seedBytes = try exactSecret(seed, count: SigningKeyPair.seedCount, what: "a signing seed")
        var publicBytes = [UInt8](repeating: 0, count: SigningPublicKey.count)
        secretKey = SecureBytes(count: SigningKeyPair.secretKeyCount) { sk in
            seedBytes.withByteInput { s in
                publicBytes.withUnsafeMutableBytes { pk in
                    _ = crypto_sign_seed_keypair(pk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                 sk.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(s))
                }
            }
        }
        publicKey = try! SigningPublicKey(publicBytes)
    }

    /// The 32-byte seed the key pair can be rebuilt from: the part to store, encrypted.
    public var seed: SecureBytes {
        SecureBytes(count: SigningKeyPair.seedCount) { out in
            secretKey.withByteInput { sk in
                _ = crypto_sign_ed25519_sk_to_seed(out.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(sk))
            }
        }
    }

    /// Signs `message` (deterministic: the same key and message always give the same signature).
    public func sign(_ message: some ByteInput) -> Signature {
        Sodium.ensureInitialised()
        var out = [UInt8](repeating: 0, count: Signature.count)
        message.withByteInput { m in
            secretKey.withByteInput { sk in
                out.withUnsafeMutableBytes { s in
                    _ = crypto_sign_detached(s.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
                                             basePointer(m), UInt64(m.count), basePointer(sk))
                }
            }
        }
        return try! Signature(out)
    }
}
