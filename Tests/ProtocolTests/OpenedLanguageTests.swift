import NetreachCore
import Sodium
import Testing

/// The visitor's language, sealed after the wraps of `conversation.opened` (docs/PROTOCOL.md, "Kinds").
@Suite("Protocol: the visitor's language in conversation.opened")
struct OpenedLanguageTests {
    static let visitor = VisitorIdentity(phrase: .generate())
    static let key = SecretBox.generateKey()

    static func wraps() -> [Wrap] {
        [Wrap(key: key, to: KeyID(visitor.signing.publicKey).bytes, recipientKey: visitor.box.publicKey, from: visitor.box)]
    }

    static func plain() -> ConversationOpened { ConversationOpened(visitorBoxKey: visitor.box.publicKey, wraps: wraps()) }

    @Test("an opening with a language survives encoding and parsing, and the language opens with the conversation key",
          arguments: ["en", "ro", "pl", "pt-BR", "es", "bg"])
    func roundTrip(tag: String) throws {
        let language = try VisitorLanguage(tag)
        let opened = ConversationOpened(visitorBoxKey: Self.visitor.box.publicKey, wraps: Self.wraps(), language: language,
                                        conversationKey: Self.key)
        let content = opened.content
        #expect(content.count == 32 + 2 + 88 + 24 + 16 + 256)
        let parsed = try ConversationOpened(content: content)
        #expect(parsed == opened)
        #expect(parsed.wraps == opened.wraps)
        #expect(try parsed.language(conversationKey: Self.key)?.tag == tag)
        // Its padded plaintext (length, then the tag) appears nowhere in the content.
        #expect(content.firstRange(of: [UInt8(tag.utf8.count), 0, 0, 0] + Array(tag.utf8)) == nil, "the tag is in clear")
    }

    @Test("an opening without a language (as older clients make it) parses, with no language")
    func withoutLanguage() throws {
        let content = Self.plain().content
        #expect(content.count == 32 + 2 + 88)
        let parsed = try ConversationOpened(content: content)
        #expect(parsed.sealedLanguage == nil)
        #expect(try parsed.language(conversationKey: Self.key) == nil)
        #expect(parsed.wraps.count == 1)
    }

    @Test("Event.opening seals the language it is given, and none when given none")
    func eventOpening() throws {
        let organisation = OrganisationPublicKey(name: try DeploymentName("test"), signKey: SigningKeyPair.generate().publicKey)
        let keyring = try Keyring(organisation: organisation, certificates: [], revocations: [])
        let with = try Event.opening(identity: Self.visitor, conversationKey: Self.key, keyring: keyring, language: VisitorLanguage("es"))
        #expect(try ConversationOpened(content: with.content).language(conversationKey: Self.key) == VisitorLanguage("es"))
        let without = try Event.opening(identity: Self.visitor, conversationKey: Self.key, keyring: keyring)
        #expect(try ConversationOpened(content: without.content).sealedLanguage == nil)
    }

    enum BadTrailer: String, CaseIterable, CustomTestStringConvertible {
        case oneByte, nonceAndTagOnly, sealedOneShort, sealedOneLong, notABucket, twoSealedTexts
        var testDescription: String { rawValue }

        func bytes(sealed: [UInt8]) -> [UInt8] {
            switch self {
            case .oneByte: [0]
            case .nonceAndTagOnly: Array(sealed.prefix(24 + 16))
            case .sealedOneShort: Array(sealed.dropLast())
            case .sealedOneLong: sealed + [0]
            case .notABucket: Array(repeating: 7, count: 24 + 16 + 512)
            case .twoSealedTexts: sealed + sealed
            }
        }
    }

    @Test("bytes after the wraps that are not one padded sealed text are refused as malformed", arguments: BadTrailer.allCases)
    func badTrailer(_ trailer: BadTrailer) throws {
        let sealed = try SealedText.seal("ro", key: Self.key)
        let content = Self.plain().content + trailer.bytes(sealed: sealed)
        let error = #expect(throws: ProtocolError.self) { try ConversationOpened(content: content) }
        #expect(error?.code == .malformed)
    }

    @Test("a sealed language opened with another key is badSignature")
    func wrongKey() throws {
        let opened = ConversationOpened(visitorBoxKey: Self.visitor.box.publicKey, wraps: Self.wraps(), language: try VisitorLanguage("bg"),
                                        conversationKey: Self.key)
        let error = #expect(throws: ProtocolError.self) { try opened.language(conversationKey: SecretBox.generateKey()) }
        #expect(error?.code == .badSignature)
    }

    @Test("a sealed text that is not a language tag is malformed when opened",
          arguments: ["", "r", "Romanian!", "ro_RO", "ро", "ro RO", "123456789", "pt-BR\n"])
    func sealedNonTag(_ text: String) throws {
        let content = Self.plain().content + (try SealedText.seal(text, key: Self.key))
        let parsed = try ConversationOpened(content: content)  // the relay cannot tell: the layout is right
        let error = #expect(throws: ProtocolError.self) { try parsed.language(conversationKey: Self.key) }
        #expect(error?.code == .malformed)
    }

    @Test("language tags: 2 to 8 of A-Z, a-z, 0-9 and '-'; compared without regard to case",
          arguments: ["en", "pt-BR", "zh-Hant", "es-419", "x-klingo"])
    func goodTags(_ tag: String) throws {
        let language = try VisitorLanguage(tag)
        #expect(language.tag == tag)
        #expect(try VisitorLanguage(tag.uppercased()) == language)
    }

    @Test("a bad language tag is refused as malformed", arguments: ["", "e", "english-uk", "pt_BR", "ро", "é", "en ", "sr-Latn-RS"])
    func badTags(_ tag: String) {
        let error = #expect(throws: ProtocolError.self) { try VisitorLanguage(tag) }
        #expect(error?.code == .malformed)
    }
}
