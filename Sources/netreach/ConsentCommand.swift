import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach consent INCIDENT LEVEL --visitor-said-on DATE`
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Record a change of consent the visitor asked for, up or down.",
        discussion: """
            Levels: \(ConsentLevel.allCases.map(\.summary).joined(separator: "; ")). \
            The change is recorded as yours, with the day the visitor said so; lowering it stops any later \
            sharing at once (netreach police-export and netreach alert publish read it first).

            Example:
              netreach consent 9c41d2aa 3 --visitor-said-on 2026-11-22
            """
    )

    @Argument(help: "The incident id, or a unique prefix of it (see netreach incidents).") var id: String
    @Argument(help: "The new level, 1 to 4.") var level: Int
    @Option(help: "The day the visitor said so, YYYY-MM-DD.") var visitorSaidOn: String
    @Flag(help: "Do it although a colleague has the conversation, on purpose (netreach audit shows it).") var asColleague = false
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        do {
            _ = try ConsentLevel(level: level)
            _ = try ConsentChange(incident: try IncidentID([UInt8](repeating: 0, count: 16)), level: .listenOnly, visitorSaidOn: visitorSaidOn)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        try await failing("consent") {
            try await withWorkspace(passphrase) { workspace in
                let work = IncidentWork(workspace: workspace, asColleague: asColleague)
                let record = try await work.incident(matching: id)
                let level = try ConsentLevel(level: level)
                try await work.changeConsent(of: record, to: level, visitorSaidOn: visitorSaidOn)
                print("incident \(record.id.shortID): consent \(record.consent.rawValue) → \(level.summary)")
            }
        }
    }
}
