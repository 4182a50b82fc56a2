import CSodium

/// URL-safe base64 without padding (RFC 4648 §5), the encoding of every binary field Netreach
/// puts in text: keys, nonces, ciphertexts and signatures on the wire and in key files.
public enum Base64URL {
    private static let variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING

    public static func encode(_ bytes: some ByteInput) -> String {
        Sodium.ensureInitialised()
        return bytes.withByteInput { b in
            let capacity = sodium_base64_encoded_len(b.count, variant)
            var out = [CChar](repeating: 0, count: capacity)
            _ = sodium_bin2base64(&out, capacity, basePointer(b), b.count, variant)
            return String(decoding: out.prefix(capacity - 1).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Decodes; throws `malformedBase64` on any character outside the alphabet, padding, white space,
    /// or a length that cannot be the encoding of whole bytes.
    public static func decode(_ text: String) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialised()
        let utf8 = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: utf8.count * 3 / 4 + 1)
        var written = 0
        var end: UnsafePointer<CChar>? = nil
        let status = utf8.withUnsafeBytes { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                out.withUnsafeMutableBytes { o in
                    withUnsafeMutablePointer(to: &end) { endPointer in
                        sodium_base642bin(o.baseAddress!.assumingMemoryBound(to: UInt8.self), o.count,
                                          chars.baseAddress, chars.count, nil, &written, endPointer, variant)
                    }
                }
            }
        }
        // With a non-nil end pointer, libsodium stops at the first bad character instead of failing,
        // so a complete decode must also have consumed every input byte.
        let consumedAll = utf8.withUnsafeBytes { input -> Bool in
            guard let end, let start = input.baseAddress else { return utf8.isEmpty }
            return UnsafeRawPointer(end) == start + input.count
        }
        guard status == 0, consumedAll else {
            throw SodiumError(.malformedBase64, "not valid unpadded URL-safe base64 (\(utf8.count) characters)")
        }
        return Array(out.prefix(written))
    }
}
