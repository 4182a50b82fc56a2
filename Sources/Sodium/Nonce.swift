import CSodium

/// A 24-byte nonce for `Box` and `SecretBox` (XSalsa20 nonces are large enough to be chosen at random).
public struct Nonce: Hashable, Sendable, ByteInput {
    /// The size of a nonce in bytes.
    public static let count = Int(crypto_box_NONCEBYTES)

    public let bytes: [UInt8]

    /// Wraps existing bytes; throws `wrongLength` unless there are exactly 24.
    public init(_ bytes: some ByteInput) throws(SodiumError) {
        self.bytes = try exactBytes(bytes, count: Nonce.count, what: "a nonce")
    }

    /// A fresh random nonce.
    public static func random() -> Nonce {
        // Force-unwrapping is safe: the length is fixed by construction.
        try! Nonce(Random.bytes(count: count))
    }

    public func withByteInput<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
}
