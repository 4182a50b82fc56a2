import Foundation
public import NetreachCore

/// Canned replies: short texts a worker sends often, by name, in `$NETREACH_HOME/canned` as
/// `name<TAB>text` lines, and `name@LANG<TAB>text` for a version in a visitor's language (a BCP 47
/// tag, docs/PROTOCOL.md "The visitor's language"). Staff-written templates, never anything a
/// visitor wrote.
public struct CannedReplies: Sendable, Equatable {
    /// One version of a reply: its name, its language (nil: the default version), its text.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let language: VisitorLanguage?
        public let text: String
    }

    /// A name's default version under `nil`, and its other versions under their language.
    private var versions: [String: [VisitorLanguage?: String]] = [:]

    public init() {}

    /// A name is 1–32 lower-case letters, digits or '-'.
    public static func validName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// The names, each once, sorted.
    public var names: [String] { versions.keys.sorted() }

    /// Every version, by name, the default first and then by language tag.
    public var entries: [Entry] {
        names.flatMap { name in
            versions[name, default: [:]].sorted { ($0.key?.tag.lowercased() ?? "") < ($1.key?.tag.lowercased() ?? "") }
                .map { Entry(name: name, language: $0.key, text: $0.value) }
        }
    }

    /// The version of `name` to send to a visitor whose page is in `language`: the one in exactly
    /// that language, else one in the same primary language (`es` for `es-MX`, `pt-BR` for `pt`), else
    /// the default; nil when there is none of these. `language` of the result says which was chosen.
    public func reply(named name: String, for language: VisitorLanguage?) -> Entry? {
        guard let all = versions[name] else { return nil }
        if let language {
            if let text = all[language] { return Entry(name: name, language: language, text: text) }
            if let match = all.filter({ $0.key?.primary == language.primary })
                .min(by: { ($0.key?.tag.lowercased() ?? "") < ($1.key?.tag.lowercased() ?? "") }) {
                return Entry(name: name, language: match.key, text: match.value)
            }
        }
        return all[nil].map { Entry(name: name, language: nil, text: $0) }
    }

    public static func load(home: NetreachHome) -> CannedReplies {
        var canned = CannedReplies()
        guard let text = try? String(contentsOfFile: home.cannedPath, encoding: .utf8) else { return canned }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard validName(key[0]) else { continue }
            var language: VisitorLanguage?
            if key.count == 2 {
                guard let tag = try? VisitorLanguage(key[1]) else { continue }
                language = tag
            }
            canned.versions[key[0], default: [:]][language] = String(parts[1]).replacingOccurrences(of: "\\n", with: "\n")
        }
        return canned
    }

    /// Adds or replaces the version of `name` in `language` (nil: the default version).
    public mutating func add(name: String, language: VisitorLanguage? = nil, text: String) throws(WorkError) {
        guard Self.validName(name) else { throw WorkError.refused("a canned reply's name is 1–32 of a–z, 0–9 and '-', got '\(name)'") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw WorkError.refused("a canned reply needs some text") }
        guard trimmed.utf8.count <= SealedText.maximumTextCount else { throw WorkError.refused("a canned reply is at most \(SealedText.maximumTextCount) bytes") }
        versions[name, default: [:]][language] = trimmed
    }

    /// Removes one version (`language`), or with `language` nil the default version; the name goes
    /// when it has no version left.
    public mutating func remove(name: String, language: VisitorLanguage? = nil) throws(WorkError) {
        guard var all = versions[name] else {
            throw WorkError.refused("no canned reply named '\(name)' (have: \(names.joined(separator: ", ")))")
        }
        guard all.removeValue(forKey: language) != nil else {
            let have = all.keys.map { $0?.tag ?? "default" }.sorted().joined(separator: ", ")
            throw WorkError.refused("canned reply '\(name)' has no \(language.map { "\($0.tag) version" } ?? "default version") (have: \(have))")
        }
        versions[name] = all.isEmpty ? nil : all
    }

    public func save(home: NetreachHome) throws(KeyError) {
        let text = entries.map { entry in
            "\(entry.name)\(entry.language.map { "@" + $0.tag } ?? "")\t\(entry.text.replacingOccurrences(of: "\n", with: "\\n"))\n"
        }.joined()
        try home.createFolder()
        try KeyFileStorage.writeAtomically(Array(text.utf8), to: home.cannedPath, permissions: 0o600, replacing: true)
    }
}
