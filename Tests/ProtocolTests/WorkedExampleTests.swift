import Foundation
import NetreachCore
import Sodium
import Testing

/// docs/PROTOCOL.md's worked example, recomputed by the Swift implementation.
@Suite("Protocol: the worked example")
struct WorkedExampleTests {
    struct Computed {
        var values: [String: String] = [:]
    }

    static func compute() throws -> [String: String] {
        var values: [String: String] = [:]
        let phrase = ResumePhrase(entropy: SecureBytes(copying: bytes(0x00...0x0f)))
        values["entropy"] = Hex.encode(phrase.entropy.copyBytes())
        values["phrase"] = phrase.words(in: wordList).joined(separator: " ")
        let visitor = VisitorIdentity(phrase: phrase)
        values["visitorSignPublic"] = Hex.encode(visitor.signing.publicKey.bytes)
        values["visitorBoxPublic"] = Hex.encode(visitor.box.publicKey.bytes)
        values["conversationId"] = Hex.encode(visitor.conversation.bytes)
        values["conversationIdB64u"] = visitor.conversation.base64URL

        let staffSeed = SHA512.hash(Array("netreach worked example staff".utf8))
        let staffSign = try SigningKeyPair(seed: Array(staffSeed[0..<32]))
        let staffBox = try BoxKeyPair(secretKey: Array(staffSeed[32..<64]))
        values["staffSignPublic"] = Hex.encode(staffSign.publicKey.bytes)
        values["staffBoxPublic"] = Hex.encode(staffBox.publicKey.bytes)
        values["staffKeyId"] = Hex.encode(keyID(staffSign.publicKey))
        let relay = try SigningKeyPair(seed: Array(SHA512.hash(Array("netreach worked example relay".utf8))[0..<32]))
        values["relaySignPublic"] = Hex.encode(relay.publicKey.bytes)

        let conversationKey = SecureBytes(copying: bytes(0x20...0x3f))
        values["conversationKey"] = Hex.encode(conversationKey.copyBytes())
        let wrap = Wrap(key: conversationKey, to: keyID(staffSign.publicKey), recipientKey: staffBox.publicKey,
                        from: visitor.box, nonce: try Nonce(bytes(0x40...0x57)))
        let selfWrap = Wrap(key: conversationKey, to: keyID(visitor.signing.publicKey), recipientKey: visitor.box.publicKey,
                            from: visitor.box, nonce: try Nonce(bytes(0xc0...0xd7)))
        let opened = try Event(kind: .conversationOpened, id: bytes(0x50...0x5f), conversation: visitor.conversation,
                               clientTimeMilliseconds: 1_764_000_000_000,
                               content: ConversationOpened(visitorBoxKey: visitor.box.publicKey, wraps: [wrap, selfWrap]).content,
                               signer: visitor.signing)
        values["openedEvent"] = Hex.encode(opened.bytes)
        let openedWithLanguage = try Event(kind: .conversationOpened, id: bytes(0x50...0x5f), conversation: visitor.conversation,
                                           clientTimeMilliseconds: 1_764_000_000_000,
                                           content: ConversationOpened(visitorBoxKey: visitor.box.publicKey, wraps: [wrap, selfWrap],
                                                                       language: try VisitorLanguage("ro"), conversationKey: conversationKey,
                                                                       nonce: try Nonce(bytes(0xe0...0xf7))).content,
                                           signer: visitor.signing)
        values["openedWithLanguageEvent"] = Hex.encode(openedWithLanguage.bytes)
        let message = try Event(kind: .messagePosted, id: bytes(0x60...0x6f), conversation: visitor.conversation,
                                clientTimeMilliseconds: 1_764_000_001_000,
                                content: SealedText.seal("Hello, is anyone there?", key: conversationKey,
                                                         nonce: try Nonce(bytes(0x70...0x87))),
                                signer: visitor.signing)
        values["messageEvent"] = Hex.encode(message.bytes)
        let reply = try Event(kind: .messagePosted, id: bytes(0xb0...0xbf), conversation: visitor.conversation,
                              clientTimeMilliseconds: 1_764_000_060_000,
                              content: SealedText.seal("Yes, I'm here. You're safe to talk.", key: conversationKey,
                                                       nonce: try Nonce(bytes(0x90...0xa7))),
                              signer: staffSign)
        values["replyEvent"] = Hex.encode(reply.bytes)
        let feedback = try Event(kind: .feedbackGiven, id: bytes(0x10...0x1f), conversation: visitor.conversation,
                                 clientTimeMilliseconds: 1_764_000_120_000,
                                 content: SealedText.seal(try VisitorFeedback(helpful: .yes, safer: .notSure, helpedMost: .health).text,
                                                          key: conversationKey, nonce: try Nonce(bytes(0xa8...0xbf))),
                                 signer: visitor.signing)
        values["feedbackEvent"] = Hex.encode(feedback.bytes)
        let challenge = bytes(0x80...0x9f)
        values["authChallenge"] = Hex.encode(challenge)
        values["authSignature"] = Hex.encode(visitor.signing.sign(
            AuthProof.signedInput(challenge: challenge, relay: relay.publicKey, role: .visitor)).bytes)
        values["pow8Nonce"] = Hex.encode(ProofOfWork.solve(challenge: challenge, conversation: visitor.conversation, bits: 8))
        return values
    }

    @Test("every value of the documented example is what the Swift implementation computes")
    func matchesDocument() throws {
        let computed = try Self.compute()
        #expect(documentedExample.count == 19)
        for (name, value) in documentedExample.sorted(by: { $0.key < $1.key }) {
            #expect(computed[name] == value, "example.\(name)")
        }
    }

    @Test("the independent Python implementation computes the same example")
    func pythonAgrees() async throws {
        let (status, output) = try await python([fixtures.appendingPathComponent("protocol_interop.py").path, "check-doc",
                                           repositoryRoot.appendingPathComponent("docs/PROTOCOL.md").path])
        #expect(status == 0, "\(output)")
    }

    @Test("the documented events parse, verify, and open with the conversation key")
    func documentedEventsOpen() throws {
        let key = SecureBytes(copying: try Hex.decode(try #require(documentedExample["conversationKey"])))
        let message = try Event(bytes: Hex.decode(try #require(documentedExample["messageEvent"])))
        #expect(message.kind == .messagePosted)
        #expect(try SealedText.open(message.content, key: key) == "Hello, is anyone there?")
        let reply = try Event(bytes: Hex.decode(try #require(documentedExample["replyEvent"])))
        #expect(try SealedText.open(reply.content, key: key) == "Yes, I'm here. You're safe to talk.")
        let opened = try Event(bytes: Hex.decode(try #require(documentedExample["openedEvent"])))
        let content = try ConversationOpened(content: opened.content)
        let staffSeed = SHA512.hash(Array("netreach worked example staff".utf8))
        let staffBox = try BoxKeyPair(secretKey: Array(staffSeed[32..<64]))
        #expect(try content.wraps[0].open(with: staffBox, from: content.visitorBoxKey).copyBytes() == key.copyBytes())
        // The visitor, knowing only the phrase, recovers the key from its self-wrap.
        let visitor = VisitorIdentity(phrase: ResumePhrase(entropy: SecureBytes(copying: bytes(0x00...0x0f))))
        #expect(content.wraps[1].recipient == keyID(visitor.signing.publicKey))
        #expect(try content.wraps[1].open(with: visitor.box, from: content.visitorBoxKey).copyBytes() == key.copyBytes())
        #expect(content.sealedLanguage == nil)
        #expect(try content.language(conversationKey: key) == nil)
    }

    @Test("the documented opening with a language carries ro, sealed: it opens with the conversation key only")
    func documentedLanguageOpens() throws {
        let key = SecureBytes(copying: try Hex.decode(try #require(documentedExample["conversationKey"])))
        let event = try Event(bytes: Hex.decode(try #require(documentedExample["openedWithLanguageEvent"])))
        let content = try ConversationOpened(content: event.content)
        #expect(content.wraps.count == 2)
        #expect(content.sealedLanguage?.count == 24 + 16 + 256)
        #expect(try content.language(conversationKey: key) == VisitorLanguage("ro"))
        // The padded plaintext ("ro" after its length) appears nowhere in the event: the relay cannot read it.
        #expect(event.bytes.firstRange(of: [2, 0, 0, 0, 0x72, 0x6f]) == nil, "the tag is in clear")
        let other = SecretBox.generateKey()
        #expect(throws: ProtocolError.self) { try content.language(conversationKey: other) }
    }

    @Test("the documented feedback is the visitor's, opens with the conversation key and reads as three answers")
    func documentedFeedbackOpens() throws {
        let key = SecureBytes(copying: try Hex.decode(try #require(documentedExample["conversationKey"])))
        let event = try Event(bytes: Hex.decode(try #require(documentedExample["feedbackEvent"])))
        #expect(event.kind == .feedbackGiven && event.kind.author == .visitor && event.kind.visibleToVisitor)
        #expect(Hex.encode(event.author.bytes) == documentedExample["visitorSignPublic"])
        let feedback = try VisitorFeedback(text: try SealedText.open(event.content, key: key))
        #expect(feedback == (try VisitorFeedback(helpful: .yes, safer: .notSure, helpedMost: .health)))
        #expect(event.bytes.firstRange(of: Array("netreach-feedback".utf8)) == nil, "the feedback is in clear")
    }

    @Test("events made in Swift are accepted by the Python implementation")
    func pythonVerifiesSwiftEvents() async throws {
        let visitor = VisitorIdentity(phrase: .generate())
        let key = SecretBox.generateKey()
        var items: [[String: String]] = []
        for text in ["", "short", String(repeating: "é", count: 600), String(repeating: "x", count: 16_380)] {
            let event = try Event(kind: .messagePosted, conversation: visitor.conversation, clientTimeMilliseconds: 1,
                                  content: SealedText.seal(text, key: key), signer: visitor.signing)
            items.append(["kind": "message.posted", "event": Base64URL.encode(event.bytes), "key": Hex.encode(key.copyBytes()),
                          "text": text])
        }
        let staff = SigningKeyPair.generate()
        let claimed = try Event(kind: .conversationClaimed, conversation: visitor.conversation, clientTimeMilliseconds: 2,
                                content: [], signer: staff)
        items.append(["kind": "conversation.claimed", "event": Base64URL.encode(claimed.bytes)])
        let selfWrap = Wrap(key: key, to: keyID(visitor.signing.publicKey), recipientKey: visitor.box.publicKey, from: visitor.box)
        let opened = try Event(kind: .conversationOpened, conversation: visitor.conversation, clientTimeMilliseconds: 3,
                               content: ConversationOpened(visitorBoxKey: visitor.box.publicKey, wraps: [selfWrap],
                                                           language: try VisitorLanguage("pt-BR"), conversationKey: key).content,
                               signer: visitor.signing)
        items.append(["kind": "conversation.opened", "event": Base64URL.encode(opened.bytes), "key": Hex.encode(key.copyBytes()),
                      "language": "pt-BR"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netreach-events-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: items).write(to: file)
        let (status, output) = try await python([fixtures.appendingPathComponent("protocol_interop.py").path, "verify", file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("6 passed, 0 failed"))
    }
}
