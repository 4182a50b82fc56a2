import NetreachCore
import Sodium
import Testing

@Suite("Protocol: events")
struct EventCodecTests {
    static let visitor = VisitorIdentity(phrase: .generate())

    static func sample(kind: EventKind = .messagePosted, content: [UInt8] = Array("content".utf8)) throws -> Event {
        try Event(kind: kind, conversation: visitor.conversation, clientTimeMilliseconds: 42, content: content,
                  signer: visitor.signing)
    }

    @Test("an event survives encoding and parsing", arguments: EventKind.allCases)
    func roundTrip(kind: EventKind) throws {
        let event = try Self.sample(kind: kind)
        let parsed = try Event(bytes: event.bytes)
        #expect(parsed == event)
        #expect(parsed.author == Self.visitor.signing.publicKey)
    }

    enum Damage: String, CaseIterable {
        case magic, unknownKind, flags, reserved, truncatedHeader, truncatedContent, extraByte
        case contentLengthTooBig, flippedSignature, flippedContent, flippedAuthor, empty
    }

    @Test("damaged or forged event bytes are refused with the documented code", arguments: Damage.allCases)
    func damaged(_ damage: Damage) throws {
        var bytes = try Self.sample().bytes
        var expected = ProtocolError.Code.malformed
        switch damage {
        case .magic: bytes[0] = UInt8(ascii: "X")
        case .unknownKind: bytes[4] = 99; expected = .unknownKind
        case .flags: bytes[5] = 1
        case .reserved: bytes[7] = 1
        case .truncatedHeader: bytes = Array(bytes.prefix(50))
        case .truncatedContent: bytes = Array(bytes.prefix(bytes.count - 65))
        case .extraByte: bytes.append(0)
        case .contentLengthTooBig: bytes[80] = 0xff; bytes[81] = 0xff; bytes[82] = 0x01
        case .flippedSignature: bytes[bytes.count - 1] ^= 1; expected = .badSignature
        case .flippedContent: bytes[85] ^= 1; expected = .badSignature
        case .flippedAuthor: bytes[60] ^= 1; expected = .badSignature
        case .empty: bytes = []
        }
        let error = #expect(throws: ProtocolError.self) { try Event(bytes: bytes) }
        if error?.code != expected, damage == .flippedAuthor {
            // A flipped author key may not even be a valid point: malformed is then just as right.
            #expect(error?.code == .malformed)
        } else {
            #expect(error?.code == expected)
        }
    }

    @Test("every kind is found again by its wire name; an unknown name is no kind")
    func kindNames() {
        for kind in EventKind.allCases { #expect(EventKind(name: kind.name) == kind) }
        #expect(Set(EventKind.allCases.map(\.name)).count == EventKind.allCases.count)
        for name in ["", "message", "Message.Posted", "message.posted ", "checkpoint.signed"] { #expect(EventKind(name: name) == nil) }
    }

    @Test("content over 64 KiB cannot be made")
    func contentTooLarge() {
        #expect(throws: ProtocolError.self) { try Self.sample(content: [UInt8](repeating: 0, count: 65_537)) }
    }

    @Test("an opened event's wraps open for their recipient only")
    func wraps() throws {
        let staff = BoxKeyPair.generate(), other = BoxKeyPair.generate()
        let key = SecretBox.generateKey()
        let content = ConversationOpened(visitorBoxKey: Self.visitor.box.publicKey,
                                         wraps: [Wrap(key: key, to: Random.bytes(count: 16), recipientKey: staff.publicKey,
                                                      from: Self.visitor.box)])
        let parsed = try ConversationOpened(content: content.content)
        #expect(try parsed.wraps[0].open(with: staff, from: parsed.visitorBoxKey).copyBytes() == key.copyBytes())
        #expect(throws: ProtocolError.self) { try parsed.wraps[0].open(with: other, from: parsed.visitorBoxKey) }
        #expect(throws: ProtocolError.self) { try ConversationOpened(content: content.content + [0]) }
        #expect(throws: ProtocolError.self) { try ConversationOpened(content: Array(content.content.dropLast())) }
        #expect(throws: ProtocolError.self) { try KeyWrapped(content: [9, 0, 0]) }
    }

    /// The relay parses these two contents from anonymous visitors: a cut anywhere must be an error,
    /// never a crash (a cut inside a nonce or the visitor's key once reached a `try!`).
    @Test("every cut-short opened or key.wrapped content is refused as malformed")
    func everyPrefixRefused() throws {
        let key = SecretBox.generateKey()
        let wraps = (0..<2).map { _ in Wrap(key: key, to: Random.bytes(count: 16), recipientKey: BoxKeyPair.generate().publicKey,
                                            from: Self.visitor.box) }
        let opened = ConversationOpened(visitorBoxKey: Self.visitor.box.publicKey, wraps: wraps).content
        let wrapped = KeyWrapped(purpose: .staffKey, wraps: wraps).content
        for cut in 0..<opened.count {
            #expect(throws: ProtocolError.self, "opened cut to \(cut) bytes") { try ConversationOpened(content: Array(opened.prefix(cut))) }
        }
        for cut in 0..<wrapped.count {
            #expect(throws: ProtocolError.self, "key.wrapped cut to \(cut) bytes") { try KeyWrapped(content: Array(wrapped.prefix(cut))) }
        }
        #expect(try ConversationOpened(content: opened).wraps == wraps)
        #expect(try KeyWrapped(content: wrapped).wraps == wraps)
    }
}

@Suite("Protocol: sealed text, proof of work")
struct SealedTextTests {
    @Test("text is padded to the smallest bucket that holds it",
          arguments: [(0, 256), (252, 256), (253, 1024), (1020, 1024), (1021, 4096), (16_380, 16_384)])
    func buckets(length: Int, bucket: Int) throws {
        #expect(try SealedText.pad([UInt8](repeating: 65, count: length)).count == bucket)
    }

    @Test("text over the largest bucket is refused")
    func tooLong() {
        #expect(throws: ProtocolError.self) { try SealedText.pad([UInt8](repeating: 65, count: 16_381)) }
    }

    @Test("sealed text opens with its key, and not with another or after tampering")
    func sealOpen() throws {
        let key = SecretBox.generateKey()
        var sealed = try SealedText.seal("meet at the usual place?", key: key)
        #expect(try SealedText.open(sealed, key: key) == "meet at the usual place?")
        #expect(throws: ProtocolError.self) { try SealedText.open(sealed, key: SecretBox.generateKey()) }
        sealed[40] ^= 1
        #expect(throws: ProtocolError.self) { try SealedText.open(sealed, key: key) }
        #expect(throws: ProtocolError.self) { try SealedText.open([1, 2, 3], key: key) }
    }

    @Test("padding that is not zero, or a length past the end, is refused")
    func badPadding() throws {
        var padded = try SealedText.pad(Array("hi".utf8))
        padded[200] = 1
        #expect(throws: ProtocolError.self) { try SealedText.unpad(padded) }
        var long = try SealedText.pad(Array("hi".utf8))
        long[0] = 0xff
        #expect(throws: ProtocolError.self) { try SealedText.unpad(long) }
        #expect(throws: ProtocolError.self) { try SealedText.unpad([0, 0, 0, 0]) }
    }

    @Test("a solved proof of work is valid for its challenge and conversation only")
    func proofOfWork() throws {
        let conversation = VisitorIdentity(phrase: .generate()).conversation
        let challenge = Random.bytes(count: 32)
        let nonce = ProofOfWork.solve(challenge: challenge, conversation: conversation, bits: 12)
        #expect(ProofOfWork.isValid(nonce: nonce, challenge: challenge, conversation: conversation, bits: 12))
        #expect(!ProofOfWork.isValid(nonce: nonce, challenge: Random.bytes(count: 32), conversation: conversation, bits: 12))
        #expect(!ProofOfWork.isValid(nonce: [1, 2, 3], challenge: challenge, conversation: conversation, bits: 0))
    }
}
