import ChildProcess
import Foundation
import NetreachCore
import Sodium

/// The Debian word list (python3-mnemonic, installed by ops/install).
let wordList: WordList = {
    do {
        return try WordList(text: String(contentsOfFile: WordList.debianPath, encoding: .utf8))
    } catch {
        fatalError("cannot read the word list at \(WordList.debianPath) (run ops/install): \(error)")
    }
}()

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("NetreachCoreTests/Fixtures")
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `example.NAME VALUE` lines of docs/PROTOCOL.md.
let documentedExample: [String: String] = {
    let text = (try? String(contentsOf: repositoryRoot.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)) ?? ""
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") where line.hasPrefix("example.") {
        let parts = line.dropFirst("example.".count).split(separator: " ", maxSplits: 1)
        if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
    }
    return values
}()

func bytes(_ range: ClosedRange<UInt8>) -> [UInt8] { Array(range) }

func keyID(_ key: SigningPublicKey) -> [UInt8] { KeyID(key).bytes }

/// Runs /usr/bin/python3 with arguments; returns the exit status and what it printed (errors included).
func python(_ arguments: [String]) async throws -> (Int32, String) {
    let outcome = try await ChildProcess.run("/usr/bin/python3", arguments, mergingErrorsIntoOutput: true, timeout: .seconds(120))
    return (outcome.status, outcome.output)
}
