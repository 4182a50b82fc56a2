public import Sodium

/// A 32-byte key boxed to one recipient (docs/PROTOCOL.md, "Wrap"): 88 bytes on the wire.
public struct Wrap: Hashable, Sendable {
    public static let count = 88

    public let recipient: [UInt8]
    public let nonce: Nonce
    public let boxed: [UInt8]

    /// Boxes `key` from `sender` to the recipient's X25519 key, naming the recipient by key id.
    public init(key: SecureBytes, to recipientID: [UInt8], recipientKey: BoxPublicKey, from sender: BoxKeyPair,
                nonce: Nonce = .random()) {
        precondition(recipientID.count == 16 && key.count == 32, "a wrap names a 16-byte key id and carries a 32-byte key")
        recipient = recipientID
        self.nonce = nonce
        boxed = Box.seal(key, nonce: nonce, to: recipientKey, from: sender)
    }

    init(reading reader: inout ByteReader) throws(ProtocolError) {
        recipient = try reader.take(16)
        // Taken apart from the conversion: a `try!` over both would crash on a cut-short wrap.
        let nonceBytes = try reader.take(Nonce.count)
        nonce = try! Nonce(nonceBytes)  // exactly Nonce.count bytes: cannot fail
        boxed = try reader.take(48)
    }

    /// Opens the wrap with the recipient's key pair; `sender` is the X25519 key that boxed it.
    public func open(with recipient: BoxKeyPair, from sender: BoxPublicKey) throws(ProtocolError) -> SecureBytes {
        do {
            return try Box.open(boxed, nonce: nonce, from: sender, to: recipient)
        } catch {
            throw ProtocolError(.badSignature, "the wrapped key does not open with this key (\(error.message))")
        }
    }

    func write(to out: inout [UInt8]) {
        out += recipient
        out += nonce.bytes
        out += boxed
    }

    static func readList(_ reader: inout ByteReader) throws(ProtocolError) -> [Wrap] {
        let count = Int(try reader.integer(UInt16.self))
        guard count <= 1024 else { throw ProtocolError(.malformed, "an event carries at most 1024 wraps, got \(count)") }
        var wraps: [Wrap] = []
        for _ in 0..<count { wraps.append(try Wrap(reading: &reader)) }
        return wraps
    }

    static func writeList(_ wraps: [Wrap], to out: inout [UInt8]) {
        out.appendInteger(UInt16(wraps.count))
        for wrap in wraps { wrap.write(to: &out) }
    }
}

/// The content of `conversation.opened`: the visitor's X25519 key, the conversation key wrapped to
/// each staff member and to the visitor, and optionally the visitor's language sealed with the
/// conversation key (docs/PROTOCOL.md, "Kinds"). Events made before the language existed have none.
public struct ConversationOpened: Hashable, Sendable {
    public let visitorBoxKey: BoxPublicKey
    public let wraps: [Wrap]
    /// `nonce ‖ secretbox(Padded(tag), nonce, conversation key)`, as message content; nil when absent.
    public let sealedLanguage: [UInt8]?

    /// The content sizes of sealed text: nonce, tag and one padding bucket.
    static let sealedSizes = Set(SealedText.buckets.map { Nonce.count + SecretBox.macCount + $0 })

    public init(visitorBoxKey: BoxPublicKey, wraps: [Wrap], sealedLanguage: [UInt8]? = nil) {
        self.visitorBoxKey = visitorBoxKey
        self.wraps = wraps
        self.sealedLanguage = sealedLanguage
    }

    /// Seals `language` with `conversationKey` (padded to the smallest bucket, as a message is).
    public init(visitorBoxKey: BoxPublicKey, wraps: [Wrap], language: VisitorLanguage, conversationKey: SecureBytes,
                nonce: Nonce = .random()) {
        // A valid tag is at most 8 bytes: it always fits the smallest bucket.
        self.init(visitorBoxKey: visitorBoxKey, wraps: wraps,
                  sealedLanguage: try! SealedText.seal(language.tag, key: conversationKey, nonce: nonce))
    }

    public init(content: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(content, what: "conversation.opened")
        // Taken apart from the conversion: a `try!` over both would crash on cut-short content.
        let keyBytes = try reader.take(32)
        visitorBoxKey = try! BoxPublicKey(keyBytes)  // exactly 32 bytes: cannot fail
        wraps = try Wrap.readList(&reader)
        guard wraps.count <= 1024 else { throw ProtocolError(.malformed, "too many wraps") }
        // Whatever follows the wraps is the sealed language, whole: one padded sealed text and nothing else.
        if reader.remaining == 0 {
            sealedLanguage = nil
        } else {
            guard Self.sealedSizes.contains(reader.remaining) else {
                throw ProtocolError(.malformed, "conversation.opened has \(reader.remaining) bytes after its wraps: "
                                    + "not a sealed language padded to a bucket")
            }
            sealedLanguage = try reader.take(reader.remaining)
        }
        try reader.finish()
    }

    public var content: [UInt8] {
        var out = visitorBoxKey.bytes
        Wrap.writeList(wraps, to: &out)
        if let sealedLanguage { out += sealedLanguage }
        return out
    }

    /// The visitor's language, opened with the conversation key: nil when the event carries none;
    /// `badSignature` when it does not open with `conversationKey`, `malformed` when it is not a valid tag.
    public func language(conversationKey: SecureBytes) throws(ProtocolError) -> VisitorLanguage? {
        guard let sealedLanguage else { return nil }
        return try VisitorLanguage(try SealedText.open(sealedLanguage, key: conversationKey))
    }
}

/// The content of `key.wrapped`: which key, its wraps, and — when it shares a key that a
/// `key.rotated` made — that key's id after the wraps (docs/PROTOCOL.md, "Kinds").
public struct KeyWrapped: Hashable, Sendable {
    public enum Purpose: UInt8, Sendable { case conversationKey = 1, staffKey = 2 }
    public let purpose: Purpose
    public let wraps: [Wrap]
    /// `KeyRotated.keyID(of:)` of the key shared, when it is a rotated one; nil for the conversation's first key.
    public let keyID: [UInt8]?

    public init(purpose: Purpose, wraps: [Wrap], keyID: [UInt8]? = nil) {
        precondition(keyID == nil || keyID?.count == 16, "a rotated key's id is 16 bytes")
        self.purpose = purpose
        self.wraps = wraps
        self.keyID = keyID
    }

    public init(content: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(content, what: "key.wrapped")
        let code = try reader.integer(UInt8.self)
        guard let purpose = Purpose(rawValue: code) else { throw ProtocolError(.malformed, "unknown key purpose \(code)") }
        self.purpose = purpose
        wraps = try Wrap.readList(&reader)
        keyID = reader.remaining == 0 ? nil : try reader.take(16)
        try reader.finish()
    }

    public var content: [UInt8] {
        var out = [purpose.rawValue]
        Wrap.writeList(wraps, to: &out)
        if let keyID { out += keyID }
        return out
    }
}

/// The content of `key.rotated` (docs/PROTOCOL.md, "Kinds"; docs/KEYS.md, "Offboarding"): a new
/// conversation key (purpose 1, which the visitor receives) or staff key (purpose 2) for the
/// events that follow, named by its key id and wrapped to the staff who remain and, for purpose
/// 1, to the visitor. A supervisor appends it when someone who could read the conversation leaves.
public struct KeyRotated: Hashable, Sendable {
    public let purpose: KeyWrapped.Purpose
    /// `KeyRotated.keyID(of:)` of the new key.
    public let keyID: [UInt8]
    public let wraps: [Wrap]

    public init(purpose: KeyWrapped.Purpose, keyID: [UInt8], wraps: [Wrap]) {
        precondition(keyID.count == 16, "a rotated key's id is 16 bytes")
        self.purpose = purpose
        self.keyID = keyID
        self.wraps = wraps
    }

    public init(content: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(content, what: "key.rotated")
        let code = try reader.integer(UInt8.self)
        guard let purpose = KeyWrapped.Purpose(rawValue: code) else { throw ProtocolError(.malformed, "unknown key purpose \(code)") }
        self.purpose = purpose
        keyID = try reader.take(16)
        wraps = try Wrap.readList(&reader)
        guard !wraps.isEmpty else { throw ProtocolError(.malformed, "key.rotated wraps its key to nobody") }
        try reader.finish()
    }

    public var content: [UInt8] {
        var out = [purpose.rawValue] + keyID
        Wrap.writeList(wraps, to: &out)
        return out
    }

    /// The id that names a conversation or staff key in `key.rotated` and `key.wrapped`:
    /// SHA-512(ctx(rotated-key-id) ‖ key)[..16]. It tells which key a wrap carries without opening
    /// anything else, and reveals nothing of the key.
    public static func keyID(of key: SecureBytes) -> [UInt8] {
        var input = DomainSeparation.rotatedKeyID.prefix
        input += key.copyBytes()
        defer { Sodium.memzero(&input) }
        return Array(SHA512.hash(input).prefix(16))
    }
}
