public import Sodium

/// Text padded to a size bucket and sealed with a 32-byte key: the content of `message.posted`,
/// and the sealed part of notes, transfers and wrap-ups (docs/PROTOCOL.md, "Padded").
public enum SealedText {
    public static let buckets = [256, 1024, 4096, 16_384]
    public static let maximumTextCount = 16_380

    /// `len ‖ text ‖ zeros` up to the smallest bucket that holds it.
    public static func pad(_ text: [UInt8]) throws(ProtocolError) -> [UInt8] {
        guard text.count <= maximumTextCount else {
            throw ProtocolError(.malformed, "a message is at most \(maximumTextCount) bytes, got \(text.count)")
        }
        let bucket = buckets.first { $0 >= 4 + text.count }!
        var out: [UInt8] = []
        out.reserveCapacity(bucket)
        out.appendInteger(UInt32(text.count))
        out += text
        out += repeatElement(0, count: bucket - out.count)
        return out
    }

    /// The text inside a padded plaintext; refuses a wrong size, a length past the end, or non-zero padding.
    public static func unpad(_ padded: [UInt8]) throws(ProtocolError) -> [UInt8] {
        guard buckets.contains(padded.count) else { throw ProtocolError(.malformed, "padded text is not a bucket size") }
        var reader = ByteReader(padded, what: "padded text")
        let count = Int(try reader.integer(UInt32.self))
        let text = try reader.take(count)
        guard try reader.take(reader.remaining).allSatisfy({ $0 == 0 }) else {
            throw ProtocolError(.malformed, "padding must be zero bytes")
        }
        return text
    }

    /// `nonce ‖ secretbox(pad(text))`.
    public static func seal(_ text: String, key: SecureBytes, nonce: Nonce = .random()) throws(ProtocolError) -> [UInt8] {
        var padded = try pad(Array(text.utf8))
        defer { Sodium.memzero(&padded) }
        return nonce.bytes + (try! SecretBox.seal(padded, nonce: nonce, key: key))
    }

    /// Opens `nonce ‖ ciphertext` with `key`.
    public static func open(_ content: [UInt8], key: SecureBytes) throws(ProtocolError) -> String {
        guard content.count >= Nonce.count + SecretBox.macCount + buckets[0] else {
            throw ProtocolError(.malformed, "sealed text is too short")
        }
        let nonce = try! Nonce(Array(content[0..<Nonce.count]))
        let opened: SecureBytes
        do {
            opened = try SecretBox.open(Array(content[Nonce.count...]), nonce: nonce, key: key)
        } catch {
            throw ProtocolError(.badSignature, "the text does not open with this key (\(error.message))")
        }
        var padded = opened.copyBytes()
        defer { Sodium.memzero(&padded) }
        let text = try unpad(padded)
        guard let string = String(validating: text, as: UTF8.self) else { throw ProtocolError(.malformed, "the text is not UTF-8") }
        return string
    }
}
