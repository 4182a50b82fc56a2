/// The language the visitor's page was in when they opened the chat, as a BCP 47 tag (`ro`,
/// `pt-BR`). It travels only sealed with the conversation key (docs/PROTOCOL.md, "Kinds"): the
/// relay never learns it. Tags compare without regard to case, as BCP 47 says they do.
public struct VisitorLanguage: Hashable, Sendable, CustomStringConvertible {
    /// The tag as the client wrote it.
    public let tag: String

    /// The languages the web page offers, in its picker's order (language.js `ORDER`).
    public static let pageLanguages: [VisitorLanguage] = ["en", "ro", "pl", "pt-BR", "es", "bg"].map { VisitorLanguage(checked: $0) }

    /// Accepts 2 to 8 characters of `A`–`Z`, `a`–`z`, `0`–`9` and `-`; anything else is `malformed`.
    public init(_ tag: String) throws(ProtocolError) {
        let scalars = tag.unicodeScalars
        guard (2...8).contains(scalars.count),
              scalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }) else {
            throw ProtocolError(.malformed, "a language is a tag of 2 to 8 letters, digits and '-' (like ro or pt-BR), not \"\(tag)\"")
        }
        self.tag = tag
    }

    private init(checked tag: String) { self.tag = tag }

    /// The English name of a page language ("Romanian"); nil for any other tag.
    public var name: String? {
        switch tag.lowercased() {
        case "en": "English"
        case "ro": "Romanian"
        case "pl": "Polish"
        case "pt-br": "Portuguese (Brazil)"
        case "es": "Spanish"
        case "bg": "Bulgarian"
        default: nil
        }
    }

    public var description: String { tag }

    /// The language without its region or script, lower-cased: `pt` for `pt-BR`.
    public var primary: String { String(tag.lowercased().prefix { $0 != "-" }) }

    /// Whether someone who speaks `self` can answer a visitor writing in `other`: the same primary
    /// language (a `pt` or `pt-PT` speaker answers `pt-BR`).
    public func covers(_ other: VisitorLanguage) -> Bool { primary == other.primary }

    public static func == (lhs: VisitorLanguage, rhs: VisitorLanguage) -> Bool { lhs.tag.lowercased() == rhs.tag.lowercased() }
    public func hash(into hasher: inout Hasher) { hasher.combine(tag.lowercased()) }
}
