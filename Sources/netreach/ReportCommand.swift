import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach report incident ID …`: an Ugly Mugs report taken down for a visitor.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Record an incident report for a visitor, make the quarterly monitoring report, or seal a quarter's figures.",
        subcommands: [Incident.self, Quarterly.self, Seal.self]
    )

    struct Incident: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "incident",
            abstract: "Record a report of a dangerous person that a visitor gave you in conversation ID.",
            discussion: """
                The report is encrypted with the conversation key: the visitor can read it in their chat, and the \
                relay cannot. It is recorded as yours, on the visitor's behalf. \
                What happened (--what, comma-separated): \(IncidentReport.Harm.allCases.map(\.rawValue).joined(separator: ", ")). \
                Settings: \(IncidentReport.Setting.allCases.map(\.rawValue).joined(separator: ", ")). \
                Times: \(IncidentReport.TimeBand.allCases.map(\.rawValue).joined(separator: ", ")) (night 00-06, morning 06-12, afternoon 12-18, evening 18-24). \
                Consent: \(ConsentLevel.allCases.map(\.summary).joined(separator: "; ")).

                Example:
                  netreach report incident 3f9a0c1e --date 2026-11-20 --time evening \\
                    --area "Leeds city centre" --setting indoor --what robbery,threats \\
                    --phone "07700 900123" --plate "AB12 CDE" \\
                    --description "Tall, grey hair, white van" \\
                    --account "He took the money back" --support --consent 2
                """
        )

        @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
        @Option(help: "The day it happened, YYYY-MM-DD.") var date: String
        @Option(help: "When in the day: night, morning, afternoon, evening or unknown.") var time = "unknown"
        @Option(help: "The town or district.") var area: String
        @Option(help: "outdoor, indoor, online-arranged or escort.") var setting: String
        @Option(help: "What happened, comma-separated (see above).") var what: String
        @Option(name: .customLong("phone"), help: "The perpetrator's phone number (repeat for several).") var phones: [String] = []
        @Option(name: .customLong("email"), help: "An email address (repeat for several).") var emails: [String] = []
        @Option(name: .customLong("handle"), help: "A username as platform:name (repeat for several).") var handles: [String] = []
        @Option(name: .customLong("plate"), help: "A vehicle registration (repeat for several).") var plates: [String] = []
        @Option(help: "What he looks like, drives, calls himself.") var description = ""
        @Option(help: "What happened, in the visitor's words.") var account = ""
        @Flag(inversion: .prefixedNo, help: "Whether the visitor wants support.") var support: Bool
        @Option(help: "The consent the visitor gave, 1 to 4 (see above).") var consent: Int
        @Option(help: "How the police may contact the visitor (consent 4 only).") var policeContact = ""
        @Flag(help: "Record it although a colleague has the conversation, on purpose (netreach audit shows it).") var asColleague = false
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws { _ = try report() }

        func report() throws -> IncidentReport {
            do {
                var identifiers: [PerpetratorIdentifier] = []
                for phone in phones { identifiers.append(try PerpetratorIdentifier(kind: .phone, phone)) }
                for email in emails { identifiers.append(try PerpetratorIdentifier(kind: .email, email)) }
                for handle in handles { identifiers.append(try PerpetratorIdentifier(parsing: handle, kind: .handle)) }
                for plate in plates { identifiers.append(try PerpetratorIdentifier(kind: .plate, plate)) }
                var harms: [IncidentReport.Harm] = []
                for name in what.split(separator: ",") {
                    harms.append(try IncidentReport.term(name.trimmingCharacters(in: .whitespaces), field: "what"))
                }
                return try IncidentReport(date: date, timeBand: try IncidentReport.term(time, field: "time"), area: area,
                                          setting: try IncidentReport.term(setting, field: "setting"), harms: harms,
                                          identifiers: identifiers, description: description, account: account, wantsSupport: support,
                                          consent: try ConsentLevel(level: consent), policeContact: policeContact)
            } catch {
                throw ValidationError(error.message)  // every call above throws IncidentError
            }
        }

        func run() async throws {
            try await failing("report incident") {
                let report = try report()
                try await withWorkspace(passphrase) { workspace in
                    let work = IncidentWork(workspace: workspace, asColleague: asColleague)
                    let conversation = try await work.work.conversation(matching: id)
                    let incident = try await work.report(report, in: conversation)
                    print("incident \(incident.shortID) recorded in \(shortID(conversation)) at consent \(report.consent.summary)")
                }
            }
        }
    }
}
