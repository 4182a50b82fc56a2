/// The 2 048-word list that resume phrases are written in (BIP39 English, from Debian's
/// `python3-mnemonic`, copied in by `ops/install`; docs/PROTOCOL.md, "The resume phrase").
public struct WordList: Sendable {
    public let words: [String]
    private let indexes: [String: Int]
    private let prefixes: [String: Int]

    /// Where Debian installs the list.
    public static let debianPath = "/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt"

    /// Parses one word per line; refuses anything but 2 048 distinct lower-case words that are unique in their first four letters.
    public init(text: String) throws(ProtocolError) {
        let words = text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) }
        guard words.count == 2048 else { throw ProtocolError(.malformed, "a word list has 2048 words, got \(words.count)") }
        var indexes: [String: Int] = [:], prefixes: [String: Int] = [:]
        for (index, word) in words.enumerated() {
            guard word.utf8.count >= 3, word.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) else {
                throw ProtocolError(.malformed, "word list entry \(index + 1) '\(word)' is not a lower-case word")
            }
            guard indexes.updateValue(index, forKey: word) == nil,
                  prefixes.updateValue(index, forKey: String(word.prefix(4))) == nil else {
                throw ProtocolError(.malformed, "word list entry \(index + 1) '\(word)' repeats an earlier word or its first four letters")
            }
        }
        self.words = words
        self.indexes = indexes
        self.prefixes = prefixes
    }

    /// The index of a token: the word itself, or a token of four or more letters whose first four begin exactly one word.
    public func index(of token: String) -> Int? {
        if let exact = indexes[token] { return exact }
        // docs/PROTOCOL.md, "Reading a phrase": the first four letters decide ("hous", "houses" and
        // the typo "housx" all read as "house"), as the web page reads them; the checksum then
        // catches a word that was really wrong.
        guard token.count >= 4, let candidate = prefixes[String(token.prefix(4))] else { return nil }
        return candidate
    }

    /// Words within two edits of a token, nearest first: suggestions for a typo.
    public func suggestions(for token: String, limit: Int = 3) -> [String] {
        words.compactMap { word -> (String, Int)? in
            let distance = editDistance(token, word)
            return distance <= 2 ? (word, distance) : nil
        }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(limit).map(\.0)
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if abs(a.count - b.count) > 2 { return 3 }
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
