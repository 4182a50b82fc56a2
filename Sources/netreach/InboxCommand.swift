import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach inbox`
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Conversations: waiting (oldest first, with waiting time), yours, others', closed today; unread counts.",
        discussion: """
            Catches the local replica up with the relay first. IDs are the first 8 hex digits of the conversation id;
            any unique prefix of 4 or more is accepted by the other commands.

            Example:
              netreach inbox
              netreach inbox --format csv > inbox.csv
            """
    )

    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("inbox") {
            try await withWorkspace(passphrase, allowOffline: true) { workspace in
                let work = ConversationWork(workspace: workspace)
                var inbox = Inbox()
                for event in try await workspace.replica.allEvents() { inbox.apply(event) }
                let marks = ReadMarks.load(home: workspace.home)
                let me = workspace.credentials.keyID
                let now = nowMilliseconds()
                let startOfDay = now - now % 86_400_000
                func row(_ section: String, _ summary: ConversationSummary) -> [String] {
                    let unread = inbox.unreadCount(conversation: summary.id, readUpTo: marks.position(of: summary.id))
                    let waitingSince = summary.lastVisitorMessageAt ?? summary.openedAt
                    let waiting = summary.unanswered || summary.state == .waiting ? duration(milliseconds: now - min(now, waitingSince)) : ""
                    return [section, shortID(summary.id), owner(summary, work), clock(summary.openedAt), waiting,
                            String(summary.messageCount), String(unread)]
                }
                var rows: [[String]] = []
                rows += inbox.waiting().map { row("waiting", $0) }
                rows += inbox.mine(me).map { row("mine", $0) }
                rows += inbox.others(me).map { row("others", $0) }
                rows += inbox.closed(since: startOfDay).map { row("closed today", $0) }
                printTable(header: ["Section", "ID", "Owner", "Opened", "Waiting", "Messages", "Unread"], rows: rows, format: format)
                if rows.isEmpty && format == .table { print("(no conversations)") }
            }
        }
    }

    private func owner(_ summary: ConversationSummary, _ work: ConversationWork) -> String {
        summary.claimedBy.map { work.name(of: $0) } ?? "-"
    }
}
