import CSodium

/// SHA-512 (`crypto_hash_sha512`): the one hash the browser's tweetnacl also has.
public enum SHA512 {
    public static let outputCount = Int(crypto_hash_sha512_BYTES)

    /// The 64-byte SHA-512 digest of `message`.
    public static func hash(_ message: some ByteInput) -> [UInt8] {
        Sodium.ensureInitialised()
        var out = [UInt8](repeating: 0, count: outputCount)
        message.withByteInput { m in
            out.withUnsafeMutableBytes { o in
                _ = crypto_hash_sha512(o.baseAddress!.assumingMemoryBound(to: UInt8.self), basePointer(m), UInt64(m.count))
            }
        }
        return out
    }
}
