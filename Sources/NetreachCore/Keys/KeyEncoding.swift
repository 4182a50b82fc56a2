import Sodium

/// The value encodings of key files that are not types of their own.
enum KeyEncoding {
    /// Decodes unpadded base64url of exactly `count` bytes (any number when nil). Only the canonical
    /// encoding is accepted (the one `Base64URL.encode` makes), so one value has one spelling.
    static func decodeBase64(_ text: String, count: Int?, what: String) throws(KeyError) -> [UInt8] {
        guard let bytes = try? Base64URL.decode(text), Base64URL.encode(bytes) == text else {
            throw KeyError(code: .invalidValue, "\(what) is not unpadded base64url")
        }
        if let count, bytes.count != count {
            throw KeyError(code: .invalidValue, "\(what) must be \(count) bytes, got \(bytes.count)")
        }
        return bytes
    }

    /// A decimal number without sign, leading zero or separators, that fits in a `UInt64`.
    static func decodeDecimal(_ text: String, what: String) throws(KeyError) -> UInt64 {
        let digits = text.utf8
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }),
              digits.count == 1 || digits.first != 0x30, let number = UInt64(text) else {
            throw KeyError(code: .invalidValue, "\(what) must be a decimal number without leading zeros, got '\(shortened(text))'")
        }
        return number
    }
}
