import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCommandLine
import NetreachCore

extension ReportCommand {
    /// `netreach report quarterly --quarter 2026Q3 [--format html|csv|json] [--out FILE] [--target-contacts 80]` (supervisors)
    struct Quarterly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quarterly",
            abstract: "The funders' quarterly monitoring report, made on this machine from what you can decrypt. Supervisors only.",
            discussion: """
                Contacts per month (against --target-contacts), new and repeat contacts, individuals, response times, \
                issues raised, referrals, incidents by what happened and by consent, alerts, police shares and consent \
                changes, each beside the previous quarter. Counts from 1 to --threshold − 1 show as "<threshold" in every \
                format, with a second count hidden where a total would give one away. The HTML is one file with no script \
                and nothing loaded from anywhere. Nothing is sent to the relay.

                Example:
                  netreach report quarterly --quarter 2026Q3 --target-contacts 80 --out \\
                    q3.html
                """
        )

        @Option(help: "The quarter, e.g. 2026Q3 (UTC).") var quarter: String
        @Option(help: "html, csv or json.") var format: String = "html"
        @Option(help: "Write to this file (it must not exist yet) instead of printing.") var out: String?
        @Option(help: "Contacts a month the funder expects.") var targetContacts: Int?
        @Option(help: "Counts below this are hidden (0 or 1: none; not 2).") var threshold = 5
        @Flag(help: "Write the report although your key cannot read some wrap-ups or reports (they are left out, and the report says how many).")
        var allowUnreadable = false
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try Quarter(quarter) } catch { throw ValidationError(error.message) }
            guard ["html", "csv", "json"].contains(format) else { throw ValidationError("--format is html, csv or json") }
            guard (0...100).contains(threshold), threshold != 2 else {
                throw ValidationError("--threshold is 0 or 1 (hide nothing) or 3…100: at 2, \"<2\" would say the count is 1")
            }
            if let targetContacts, !(1...100_000).contains(targetContacts) { throw ValidationError("--target-contacts is 1…100000") }
            if let out, FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) exists already; name a new file") }
        }

        func run() async throws {
            try await failing("report quarterly") {
                let quarter = try Quarter(quarter)
                guard quarter.start <= nowMilliseconds() else {
                    printToStandardError("netreach: report quarterly: \(quarter) has not begun yet: there is nothing to count; nothing was written")
                    throw ExitCode(2)
                }
                if quarter.end > nowMilliseconds() {
                    printToStandardError("netreach: report quarterly: \(quarter) is not over: the figures are those up to now")
                }
                let text = try await withWorkspace(passphrase, allowOffline: true) { workspace -> String in
                    try requireSupervisor(workspace, for: "report quarterly")
                    let current = try await Self.figures(quarter, workspace: workspace)
                    var previous: QuarterlyFigures?
                    if let earlier = quarter.previous { previous = try await Self.figures(earlier, workspace: workspace) }
                    let report = QuarterlyReport(
                        organisation: workspace.keyring.organisation.name.text, current: current, previous: previous,
                        monthlyTarget: targetContacts, threshold: threshold, madeMilliseconds: nowMilliseconds())
                    if report.current.unreadable > 0 {
                        printToStandardError("netreach: report quarterly: your key cannot read \(report.current.unreadable) wrap-up(s) or report(s) "
                                             + "of \(quarter) (written before you were enrolled, or not shared with you); they are not counted")
                        guard allowUnreadable else {
                            throw CommandFailure("report quarterly: nothing was written; a colleague who can read them can share them "
                                                 + "with you ('netreach grant NAME --all'), or --allow-unreadable writes the report without "
                                                 + "them (every format says how many were left out)")
                        }
                    }
                    switch format {
                    case "csv": return report.csv
                    case "json": return report.json
                    default: return report.html
                    }
                }
                if let out {
                    guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                        throw CommandFailure("cannot write \(out)")
                    }
                    print("the \(quarter) report is in \(out)")
                } else {
                    print(text, terminator: "")
                }
            }
        }

        /// A quarter's figures: as a supervisor sealed them, when they were (its content may have expired
        /// since: docs/PRIVACY.md), else computed now from what this machine can decrypt.
        static func figures(_ quarter: Quarter, workspace: StaffWorkspace) async throws -> QuarterlyFigures {
            if let sealed = try await RetentionWork(workspace: workspace).sealedFigures(quarter) {
                printToStandardError("netreach: report: the figures of \(quarter) are those \(sealed.sealedBy) sealed on \(utcClock(sealed.at))")
                return sealed.figures
            }
            return try await computed(quarter, workspace: workspace)
        }

        /// A quarter's figures computed from the replica.
        static func computed(_ quarter: Quarter, workspace: StaffWorkspace) async throws -> QuarterlyFigures {
            let work = ConversationWork(workspace: workspace)
            try await work.catchUp()
            let events = try await workspace.replica.allEvents()
            let keys: (ConversationID, [StoredEvent]) -> ConversationKeys = { _, events in work.keys(for: events) }
            let hours = await openingHours(relay: workspace.session.relay)
            let onDuty: ((UInt64) -> Bool)? = hours.map { hours in
                { milliseconds in hours.isOpen(at: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) ?? true }
            }
            return QuarterlyFigures.build(quarter: quarter, events: events, keys: keys, onDuty: onDuty)
        }

        /// The deployment's schedule as the relay serves it (`/v1/deployment`), or nil when it has none or
        /// cannot be had: then the report leaves out the out-of-hours count rather than guess.
        static func openingHours(relay: String) async -> OpeningHours? {
            guard let url = URL(string: relay + "/v1/deployment"), let (data, _) = try? await URLSession.shared.data(from: url),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let hours = object["openingHours"],
                  let json = try? JSONSerialization.data(withJSONObject: ["openingHours": hours]),
                  let settings = try? VisitorPageSettings(json: json, file: "/v1/deployment"),
                  settings.openingHours != .unset else { return nil }
            return settings.openingHours
        }
    }
}
