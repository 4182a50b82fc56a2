public import Sodium

/// A visitor's 128 bits of entropy, written as 12 words with a 4-bit checksum (docs/PROTOCOL.md).
public struct ResumePhrase: Sendable {
    /// Why a typed phrase was refused, in terms a person can act on.
    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        case wrongWordCount(Int)
        /// Word `position` (1-based) is not in the list; `suggestions` are near words.
        case unknownWord(position: Int, token: String, suggestions: [String])
        /// Every word is in the list but one of them is wrong.
        case checksumMismatch

        public var description: String {
            switch self {
            case .wrongWordCount(let count): "a phrase has 12 words; this one has \(count)"
            case .unknownWord(let position, let token, let suggestions):
                "word \(position), '\(token)', is not one of the phrase words"
                    + (suggestions.isEmpty ? "" : " — did you mean \(suggestions.joined(separator: " or "))?")
            case .checksumMismatch: "one of the words is wrong: please check each word against what you wrote down"
            }
        }
    }

    public static let wordCount = 12
    public static let entropyCount = 16

    /// The 16 bytes everything else derives from.
    public let entropy: SecureBytes

    /// Fresh random entropy.
    public static func generate() -> ResumePhrase {
        ResumePhrase(entropy: SecureBytes.random(count: entropyCount))
    }

    public init(entropy: SecureBytes) {
        precondition(entropy.count == ResumePhrase.entropyCount, "phrase entropy is 16 bytes")
        self.entropy = entropy
    }

    /// Reads a phrase as a person typed it (any case, any separators, four-letter prefixes).
    public init(parsing text: String, words list: WordList) throws(Problem) {
        var tokens: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        guard tokens.count == ResumePhrase.wordCount else { throw .wrongWordCount(tokens.count) }
        var indexes: [Int] = []
        for (position, token) in tokens.enumerated() {
            guard let index = list.index(of: token) else {
                throw .unknownWord(position: position + 1, token: token, suggestions: list.suggestions(for: token))
            }
            indexes.append(index)
        }
        // 12 × 11 bits = 128 bits of entropy and 4 bits of checksum, most significant bit first.
        var bits = [UInt8](repeating: 0, count: 17)
        for (i, index) in indexes.enumerated() {
            for b in 0..<11 where index & (1 << (10 - b)) != 0 {
                let bit = i * 11 + b
                bits[bit / 8] |= UInt8(0x80 >> (bit % 8))
            }
        }
        let entropy = SecureBytes(copying: Array(bits[0..<16]))
        let checksum = bits[16] >> 4
        Sodium.memzero(&bits)
        guard checksum == ResumePhrase.checksum(of: entropy) else { throw .checksumMismatch }
        self.entropy = entropy
    }

    /// The 12 words.
    public func words(in list: WordList) -> [String] {
        var bits = entropy.copyBytes() + [ResumePhrase.checksum(of: entropy) << 4]
        defer { Sodium.memzero(&bits) }
        return (0..<ResumePhrase.wordCount).map { i in
            var index = 0
            for b in 0..<11 {
                let bit = i * 11 + b
                index = index << 1 | Int((bits[bit / 8] >> (7 - bit % 8)) & 1)
            }
            return list.words[index]
        }
    }

    static func checksum(of entropy: SecureBytes) -> UInt8 {
        var input = DomainSeparation.phrase.prefix
        input += entropy.copyBytes()
        defer { Sodium.memzero(&input) }
        return SHA512.hash(input)[0] >> 4
    }
}
