import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach canned list|add|remove`
struct CannedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canned",
        abstract: "Canned replies: texts you send often, by name (use them in chat with /canned NAME).",
        subcommands: [List.self, Add.self, Remove.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List your canned replies.",
            discussion: "Example:\n  netreach canned list --format json")
        @Option(help: "table, json or csv.") var format: OutputFormat = .table

        func run() async throws {
            try await failing("canned list") {
                let canned = CannedReplies.load(home: try netreachHome())
                printTable(header: ["Name", "Text"], rows: canned.replies.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }, format: format)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a canned reply.",
            discussion: "Example:\n  netreach canned add hours \"We are here Monday to Friday, 10:00 to 18:00.\"")
        @Argument(help: "Its name: a–z, 0–9 and '-'.") var name: String
        @Argument(help: "The text.") var text: String

        func validate() throws {
            guard CannedReplies.validName(name) else { throw ValidationError("a canned reply's name is 1–32 of a–z, 0–9 and '-'") }
        }

        func run() async throws {
            try await failing("canned add") {
                let home = try netreachHome()
                var canned = CannedReplies.load(home: home)
                try canned.add(name: name, text: text)
                try canned.save(home: home)
                print("saved canned reply '\(name)'")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a canned reply.",
            discussion: "Example:\n  netreach canned remove hours")
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await failing("canned remove") {
                let home = try netreachHome()
                var canned = CannedReplies.load(home: home)
                try canned.remove(name: name)
                try canned.save(home: home)
                print("removed canned reply '\(name)'")
            }
        }
    }
}
