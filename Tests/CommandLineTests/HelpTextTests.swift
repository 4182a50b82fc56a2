import Foundation
import Testing

/// `--help` as a person reads it in an 80-column terminal: the help library wraps every line to the
/// width, so a line of the source text longer than that came out broken in two places, and an
/// example broke inside a quoted value.
@Suite("netreach --help reads right at 80 columns")
struct HelpTextTests {
    /// The subcommand names a help text lists.
    static func subcommands(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        // The list ends at its first blank line; after it comes "  See 'netreach help <subcommand>' …".
        let list = help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
        return list.compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                  name.allSatisfy({ $0.isLowercase || $0 == "-" }) else { return nil }
            return String(name)
        }.filter { $0 != "help" }
    }

    @Test("every example line of every command is whole: indented as written, never wrapped")
    func examplesAreWhole() async throws {
        let root = try await BinaryRunner.run("netreach", ["--help"], environment: ["COLUMNS": "80"])
        var commands = Self.subcommands(root.standardOutput).map { [$0] }
        #expect(commands.count >= 20, "\(root.standardOutput)")
        var checked = 0
        var seen = Set<[String]>()
        while let command = commands.popLast() {
            // A command listed twice, or a list that never ends, must not loop forever.
            guard seen.insert(command).inserted, seen.count < 200 else { continue }
            let help = try await BinaryRunner.run("netreach", command + ["--help"], environment: ["COLUMNS": "80"]).standardOutput
            commands += Self.subcommands(help).map { command + [$0] }
            var inExamples = false
            for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("Example") { inExamples = true; continue }
                if line.hasPrefix("USAGE:") { inExamples = false }
                if inExamples && !line.isEmpty {
                    #expect(line.hasPrefix("  "), "netreach \(command.joined(separator: " ")) --help: an example line was wrapped: '\(line)'")
                    #expect(line.count <= 80, "netreach \(command.joined(separator: " ")) --help: '\(line)'")
                }
            }
            checked += 1
        }
        #expect(checked >= 25)
    }
}
