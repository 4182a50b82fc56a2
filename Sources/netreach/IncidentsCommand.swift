import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach incidents [--format table|json|csv]`
struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "List the incident reports you can read, with their consent now and what was done with them.",
        discussion: """
            Status: reported, alerted (an alert was published), shared-with-police. A consent lowered since the \
            report is marked "lowered": nothing more may be shared beyond the level now shown.

            Example:
              netreach incidents
            """
    )

    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("incidents") {
            try await withWorkspace(passphrase, allowOffline: true) { workspace in
                let (records, problems) = try await IncidentWork(workspace: workspace).all()
                let rows = records.map { record in
                    [record.id.shortID, shortID(record.conversation), record.report.date, record.report.area,
                     record.report.harms.map(\.rawValue).joined(separator: " "),
                     String(record.consent.rawValue) + (record.consentWasLowered ? " (lowered)" : ""), record.status,
                     record.report.wantsSupport ? "yes" : "no"]
                }
                printTable(header: ["incident", "conversation", "date", "area", "what", "consent", "status", "support"], rows: rows,
                           format: format)
                for problem in problems { printToStandardError("netreach: incidents: left out \(problem)") }
            }
        }
    }
}
