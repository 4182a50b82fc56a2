import CSodium

/// Lower-case hexadecimal, for fingerprints, logs and test vectors.
public enum Hex {
    public static func encode(_ bytes: some ByteInput) -> String {
        Sodium.ensureInitialised()
        return bytes.withByteInput { b in
            var out = [CChar](repeating: 0, count: b.count * 2 + 1)
            _ = sodium_bin2hex(&out, out.count, basePointer(b), b.count)
            return String(decoding: out.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Decodes upper- or lower-case hex; throws `malformedHex` on anything else, including an odd length.
    public static func decode(_ text: String) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialised()
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { throw SodiumError(.malformedHex, "hex has an even number of digits, got \(utf8.count)") }
        var out = [UInt8](repeating: 0, count: utf8.count / 2)
        var written = 0
        let status = utf8.withUnsafeBytes { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                out.withUnsafeMutableBytes { o in
                    guard let base = o.baseAddress else { return Int32(0) }
                    return sodium_hex2bin(base.assumingMemoryBound(to: UInt8.self), o.count,
                                          chars.baseAddress, chars.count, nil, &written, nil)
                }
            }
        }
        guard status == 0, written == out.count else { throw SodiumError(.malformedHex, "not valid hexadecimal") }
        return out
    }
}
