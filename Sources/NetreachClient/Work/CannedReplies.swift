import Foundation
public import NetreachCore

/// Canned replies: short texts a worker sends often, by name, in `$NETREACH_HOME/canned` as
/// `name<TAB>text` lines. Staff-written templates, never anything a visitor wrote.
public struct CannedReplies: Sendable, Equatable {
    public private(set) var replies: [String: String] = [:]

    public init() {}

    /// A name is 1–32 lower-case letters, digits or '-'.
    public static func validName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    public static func load(home: NetreachHome) -> CannedReplies {
        var canned = CannedReplies()
        guard let text = try? String(contentsOfFile: home.cannedPath, encoding: .utf8) else { return canned }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, validName(String(parts[0])) else { continue }
            canned.replies[String(parts[0])] = String(parts[1]).replacingOccurrences(of: "\\n", with: "\n")
        }
        return canned
    }

    public mutating func add(name: String, text: String) throws(WorkError) {
        guard Self.validName(name) else { throw WorkError.refused("a canned reply's name is 1–32 of a–z, 0–9 and '-', got '\(name)'") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw WorkError.refused("a canned reply needs some text") }
        guard trimmed.utf8.count <= SealedText.maximumTextCount else { throw WorkError.refused("a canned reply is at most \(SealedText.maximumTextCount) bytes") }
        replies[name] = trimmed
    }

    public mutating func remove(name: String) throws(WorkError) {
        guard replies.removeValue(forKey: name) != nil else {
            throw WorkError.refused("no canned reply named '\(name)' (have: \(replies.keys.sorted().joined(separator: ", ")))")
        }
    }

    public func save(home: NetreachHome) throws(KeyError) {
        let text = replies.sorted { $0.key < $1.key }
            .map { "\($0.key)\t\($0.value.replacingOccurrences(of: "\n", with: "\\n"))\n" }.joined()
        try home.createFolder()
        try KeyFileStorage.writeAtomically(Array(text.utf8), to: home.cannedPath, permissions: 0o600, replacing: true)
    }
}
