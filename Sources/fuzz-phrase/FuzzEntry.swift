// libFuzzer harness for reading a resume phrase as a person typed it (docs/PROTOCOL.md, "Reading a
// phrase"; docs/RELIABILITY.md, "Fuzzing"; build and run with ops/fuzz).
// A plain `swift build` compiles this file into an executable that does nothing.
import Foundation
import NetreachCore

enum Harness {
    /// Debian's BIP39 list, which `ops/install` installs (python3-mnemonic).
    static let words: WordList = {
        guard let text = try? String(contentsOfFile: WordList.debianPath, encoding: .utf8) else {
            fatalError("fuzz-phrase: the word list \(WordList.debianPath) is missing; run ops/install")
        }
        return try! WordList(text: text)
    }()
}

/// The input, as UTF-8 text, is a typed phrase. A phrase that is read writes out as 12 list words
/// that read back as the same phrase, in any case and with any separator; a refusal says why, truthfully.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPhrase(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let list = Harness.words
    do throws(ResumePhrase.Problem) {
        let phrase = try ResumePhrase(parsing: text, words: list)
        let written = phrase.words(in: list)
        precondition(written.count == ResumePhrase.wordCount && written.allSatisfy { list.index(of: $0) != nil })
        for spelling in [written.joined(separator: " "), written.joined(separator: "-").uppercased(),
                         written.map { String($0.prefix(4)) }.joined(separator: "\n")] {
            let again = try? ResumePhrase(parsing: spelling, words: list)
            precondition(again?.entropy.copyBytes() == phrase.entropy.copyBytes(), "a written phrase reads differently")
        }
    } catch {
        switch error {
        case .wrongWordCount(let count):
            precondition(count != ResumePhrase.wordCount, "twelve words refused as the wrong count")
        case .unknownWord(let position, let token, let suggestions):
            precondition((1...ResumePhrase.wordCount).contains(position), "an unknown word outside the phrase")
            precondition(list.index(of: token) == nil, "a known word reported as unknown")
            precondition(suggestions.count <= 3 && suggestions.allSatisfy { list.index(of: $0) != nil },
                         "a suggestion not in the list")
        case .checksumMismatch:
            break
        }
    }
    return 0
}
