import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach canned list|add|remove`
struct CannedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canned",
        abstract: "Canned replies: texts you send often, by name (use them in chat with /canned NAME).",
        discussion: """
            A reply can have versions in visitors' languages (--language TAG, a BCP 47 tag: ro, pl, pt-BR,
            es, bg). In a chat, /canned NAME sends the version in the visitor's language when there is one
            (an es version for an es-MX page too), otherwise the default version, and says which it sent.
            """,
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
                printTable(header: ["Name", "Language", "Text"],
                           rows: canned.entries.map { [$0.name, $0.language?.tag ?? "default", $0.text] }, format: format)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a canned reply.",
            discussion: """
                Example:
                  netreach canned add hours "We are here Monday to Friday, 10:00 to 18:00."
                  netreach canned add hours --language ro "Suntem aici luni–vineri, 10–18."
                """)
        @Argument(help: "Its name: a–z, 0–9 and '-'.") var name: String
        @Argument(help: "The text.") var text: String
        @Option(help: "The visitor's language this version is for (default: the version sent when none matches).")
        var language: String?

        func validate() throws {
            guard CannedReplies.validName(name) else { throw ValidationError("a canned reply's name is 1–32 of a–z, 0–9 and '-'") }
            _ = try cannedLanguage(language)
        }

        func run() async throws {
            try await failing("canned add") {
                let home = try netreachHome()
                var canned = CannedReplies.load(home: home)
                let version = try cannedLanguage(language)
                try canned.add(name: name, language: version, text: text)
                try canned.save(home: home)
                print("saved canned reply '\(name)'" + (version.map { " in \($0.tag)" } ?? ""))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a canned reply.",
            discussion: "Example:\n  netreach canned remove hours --language ro")
        @Argument(help: "Its name.") var name: String
        @Option(help: "Remove only the version in this language (default: the default version).") var language: String?

        func validate() throws { _ = try cannedLanguage(language) }

        func run() async throws {
            try await failing("canned remove") {
                let home = try netreachHome()
                var canned = CannedReplies.load(home: home)
                let version = try cannedLanguage(language)
                try canned.remove(name: name, language: version)
                try canned.save(home: home)
                print("removed canned reply '\(name)'" + (version.map { " in \($0.tag)" } ?? ""))
            }
        }
    }
}

/// A `--language` value as a tag, or a usage error naming what is wrong with it.
private func cannedLanguage(_ text: String?) throws -> VisitorLanguage? {
    guard let text else { return nil }
    do {
        return try VisitorLanguage(text)
    } catch {
        throw ValidationError("--language: \(error.message)")
    }
}
