import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach handover`
struct HandoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handover",
        abstract: "What the next shift needs: open conversations, unanswered ones, handover notes, verified safety alerts of the last 24 h.",
        discussion: """
            A handover note is a note that starts with "handover:" (netreach note ID "handover: …"), in an open \
            conversation or written in the last 24 hours. Safety alerts are those the relay stored in the last 24 hours \
            that verify against the keyring (as netreach alert list checks them); the last row says how many did not.

            Example:
              netreach handover
            """
    )

    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("handover") {
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace)
                var inbox = Inbox()
                for event in try await workspace.replica.allEvents() { inbox.apply(event) }
                let now = nowMilliseconds(), dayAgo = now - min(now, 86_400_000)
                let open = inbox.waiting() + inbox.mine(workspace.credentials.keyID) + inbox.others(workspace.credentials.keyID)
                var rows: [[String]] = []
                for summary in open {
                    let owner = summary.claimedBy.map { work.name(of: $0) } ?? "nobody"
                    let waiting = summary.unanswered ? "unanswered for " + duration(milliseconds: now - min(now, summary.lastVisitorMessageAt ?? now)) : ""
                    rows.append([summary.unanswered ? "unanswered" : "open", shortID(summary.id), owner, waiting])
                }
                for summary in open + inbox.closed(since: dayAgo) {
                    let events = try await workspace.replica.events(of: summary.id)
                    let entries = Transcript.build(events: events, keys: work.keys(for: events), keyring: workspace.keyring)
                    for entry in entries {
                        guard case .note(let text) = entry.content, ColleagueRule.isHandoverNote(text),
                              summary.state != .closed || entry.timeMilliseconds >= dayAgo else { continue }
                        let author: String
                        if case .staff(_, let name) = entry.speaker { author = name ?? "staff" } else { author = "visitor" }
                        rows.append(["handover note", shortID(summary.id), author, text])
                    }
                }
                // The same verification as `alert list`: an alert that does not verify is counted, never shown.
                let (alerts, unverified) = try await IncidentWork(workspace: workspace).feed(since: dayAgo)
                for feedAlert in alerts {
                    let alert = feedAlert.verified.alert
                    rows.append(["alert", "-", feedAlert.verified.signer,
                                 "published \(clock(feedAlert.publishedAt)), signed by \(feedAlert.verified.signer): \(alert.month) \(alert.area): "
                                 + alert.harms.map(\.rawValue).joined(separator: " ") + " — \(alert.summary)"])
                }
                rows.append(["alerts (24 h)", "-", "-", "\(alerts.count) verified, \(unverified) did not verify"
                             + (unverified > 0 ? " (not shown: see netreach alert list)" : "")])
                printTable(header: ["Item", "ID", "Who", "Detail"], rows: rows, format: format)
                if unverified > 0 {
                    printToStandardError("netreach: handover: \(unverified) alert(s) of the last 24 h did not verify against the keyring and are not shown")
                }
            }
        }
    }
}
