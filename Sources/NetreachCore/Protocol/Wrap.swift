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

/// The content of `conversation.opened`: the visitor's X25519 key and the conversation key wrapped to each staff member.
public struct ConversationOpened: Hashable, Sendable {
    public let visitorBoxKey: BoxPublicKey
    public let wraps: [Wrap]

    public init(visitorBoxKey: BoxPublicKey, wraps: [Wrap]) {
        self.visitorBoxKey = visitorBoxKey
        self.wraps = wraps
    }

    public init(content: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(content, what: "conversation.opened")
        // Taken apart from the conversion: a `try!` over both would crash on cut-short content.
        let keyBytes = try reader.take(32)
        visitorBoxKey = try! BoxPublicKey(keyBytes)  // exactly 32 bytes: cannot fail
        wraps = try Wrap.readList(&reader)
        try reader.finish()
        guard wraps.count <= 1024 else { throw ProtocolError(.malformed, "too many wraps") }
    }

    public var content: [UInt8] {
        var out = visitorBoxKey.bytes
        Wrap.writeList(wraps, to: &out)
        return out
    }
}

/// The content of `key.wrapped`: which key, and its wraps.
public struct KeyWrapped: Hashable, Sendable {
    public enum Purpose: UInt8, Sendable { case conversationKey = 1, staffKey = 2 }
    public let purpose: Purpose
    public let wraps: [Wrap]

    public init(purpose: Purpose, wraps: [Wrap]) {
        self.purpose = purpose
        self.wraps = wraps
    }

    public init(content: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(content, what: "key.wrapped")
        let code = try reader.integer(UInt8.self)
        guard let purpose = Purpose(rawValue: code) else { throw ProtocolError(.malformed, "unknown key purpose \(code)") }
        self.purpose = purpose
        wraps = try Wrap.readList(&reader)
        try reader.finish()
    }

    public var content: [UInt8] {
        var out = [purpose.rawValue]
        Wrap.writeList(wraps, to: &out)
        return out
    }
}
