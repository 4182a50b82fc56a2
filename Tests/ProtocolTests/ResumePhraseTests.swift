import NetreachCore
import Sodium
import Testing

@Suite("Protocol: resume phrases")
struct ResumePhraseTests {
    @Test("a generated phrase reads back to the same entropy and the same conversation")
    func roundTrip() throws {
        for _ in 0..<50 {
            let phrase = ResumePhrase.generate()
            let words = phrase.words(in: wordList)
            #expect(words.count == 12)
            let back = try ResumePhrase(parsing: words.joined(separator: " "), words: wordList)
            #expect(back.entropy.isEqual(to: phrase.entropy))
            #expect(VisitorIdentity(phrase: back).conversation == VisitorIdentity(phrase: phrase).conversation)
        }
    }

    @Test("case, separators and four-letter prefixes are tolerated")
    func tolerant() throws {
        let documented = try #require(documentedExample["phrase"])
        let words = documented.split(separator: " ").map(String.init)
        let messy = words.enumerated().map { $0.offset % 2 == 0 ? $0.element.uppercased() : String($0.element.prefix(4)) }
            .joined(separator: " ,\n- ")
        let phrase = try ResumePhrase(parsing: "  " + messy + ". ", words: wordList)
        #expect(Hex.encode(phrase.entropy.copyBytes()) == documentedExample["entropy"])
    }

    @Test("a typo after the fourth letter still reads as the word (docs/PROTOCOL.md); the checksum guards the rest")
    func typoAfterFourLetters() throws {
        var words = try #require(documentedExample["phrase"]).split(separator: " ").map(String.init)
        words[4] = String(words[4].prefix(4)) + "xx"
        let phrase = try ResumePhrase(parsing: words.joined(separator: " "), words: wordList)
        #expect(Hex.encode(phrase.entropy.copyBytes()) == documentedExample["entropy"])
    }

    @Test("an unknown word is named by its position, with suggestions")
    func unknownWord() throws {
        var words = try #require(documentedExample["phrase"]).split(separator: " ").map(String.init)
        words[4] = "exqire"  // "expire" with a typo within its first four letters, which then begin no word
        let error = #expect(throws: ResumePhrase.Problem.self) { try ResumePhrase(parsing: words.joined(separator: " "), words: wordList) }
        guard case .unknownWord(let position, let token, let suggestions) = error else {
            Issue.record("expected unknownWord, got \(String(describing: error))")
            return
        }
        #expect(position == 5 && token == "exqire")
        #expect(suggestions.contains("expire"))
    }

    @Test("a valid but wrong word is caught by the checksum (for this example)")
    func checksum() throws {
        var words = try #require(documentedExample["phrase"]).split(separator: " ").map(String.init)
        words[11] = words[11] == "zoo" ? "zone" : "zoo"
        let error = #expect(throws: ResumePhrase.Problem.self) { try ResumePhrase(parsing: words.joined(separator: " "), words: wordList) }
        #expect(error == .checksumMismatch)
    }

    @Test("a phrase with the wrong number of words is refused", arguments: [0, 11, 13, 24])
    func wordCount(count: Int) {
        let text = Array(repeating: "abandon", count: count).joined(separator: " ")
        let error = #expect(throws: ResumePhrase.Problem.self) { try ResumePhrase(parsing: text, words: wordList) }
        #expect(error == .wrongWordCount(count))
    }

    @Test("a word list that is not 2048 distinct words is refused")
    func badWordList() {
        #expect(throws: ProtocolError.self) { try WordList(text: "one\ntwo\n") }
        let repeated = Array(repeating: "same", count: 2048).joined(separator: "\n")
        #expect(throws: ProtocolError.self) { try WordList(text: repeated) }
    }
}
