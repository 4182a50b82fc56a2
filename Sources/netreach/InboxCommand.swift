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
            Catches the local replica up with the relay first. IDs are the first 8 hex digits of the conversation id; \
            any unique prefix of 4 or more is accepted by the other commands.

            Language is the language of the visitor's page, sealed in the opening with the conversation key: "?" when
            the visitor's client sent none or your keys cannot open it. --language shows only chats in that language.

            Example:
              netreach inbox
              netreach inbox --language ro
              netreach inbox --format csv > inbox.csv
            """
    )

    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @Option(help: "Only chats whose visitor's page was in this language (a BCP 47 tag: en, ro, pl, pt-BR, es, bg).")
    var language: String?
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws { _ = try wantedLanguage() }

    private func wantedLanguage() throws -> VisitorLanguage? {
        guard let language else { return nil }
        do {
            return try VisitorLanguage(language)
        } catch {
            throw ValidationError("--language: \(error.message)")
        }
    }

    func run() async throws {
        let wanted = try wantedLanguage()
        try await failing("inbox") {
            try await withWorkspace(passphrase, allowOffline: true) { workspace in
                let work = ConversationWork(workspace: workspace)
                var inbox = Inbox()
                for event in try await workspace.replica.allEvents() { inbox.apply(event) }
                let marks = ReadMarks.load(home: workspace.home)
                let me = workspace.credentials.keyID
                let now = nowMilliseconds()
                let startOfDay = now - now % 86_400_000
                var byConversation: [ConversationID: [StoredEvent]] = [:]
                for event in try await workspace.replica.allEvents() { byConversation[event.event.conversation, default: []].append(event) }
                func language(_ summary: ConversationSummary) -> VisitorLanguage? {
                    let events = byConversation[summary.id] ?? []
                    return ConversationLanguage.read(events, keys: work.keys(for: events)).language
                }
                func row(_ section: String, _ summary: ConversationSummary) -> [OutputCell]? {
                    let spoken = language(summary)
                    if let wanted, spoken != wanted { return nil }
                    let unread = inbox.unreadCount(conversation: summary.id, readUpTo: marks.position(of: summary.id))
                    let waitingSince = summary.lastVisitorMessageAt ?? summary.openedAt
                    let waiting = summary.unanswered || summary.state == .waiting ? Int((now - min(now, waitingSince)) / 1000) : nil
                    return [.text(section), .text(shortID(summary.id)), .text(owner(summary, work)), .text(clock(summary.openedAt)),
                            .duration(seconds: waiting), .text(spoken?.tag ?? "?"), .number(summary.messageCount), .number(unread),
                            .text(Self.preview(byConversation[summary.id] ?? [], work: work, keyring: workspace.keyring))]
                }
                var rows: [[OutputCell]] = []
                rows += inbox.waiting().compactMap { row("waiting", $0) }
                rows += inbox.mine(me).compactMap { row("mine", $0) }
                rows += inbox.others(me).compactMap { row("others", $0) }
                rows += inbox.closed(since: startOfDay).compactMap { row("closed today", $0) }
                printTable(header: ["Section", "ID", "Owner", "Opened", "Waiting", "Language", "Messages", "Unread", "First line"],
                           cells: rows, format: format)
                if rows.isEmpty && format == .table { print("(no conversations)") }
            }
        }
    }

    /// Who has it; for a closed conversation, who closed it.
    private func owner(_ summary: ConversationSummary, _ work: ConversationWork) -> String {
        if summary.state == .closed, let closer = summary.closedBy { return "closed by " + work.name(of: closer) }
        return summary.claimedBy.map { work.name(of: $0) } ?? "-"
    }

    /// The visitor's first message, on one line, at most 40 characters; empty when there is none yet
    /// or it cannot be read with your keys.
    static func preview(_ events: [StoredEvent], work: ConversationWork, keyring: Keyring) -> String {
        guard let opened = events.first(where: { $0.kind == .conversationOpened }),
              let first = events.firstIndex(where: { $0.kind == .messagePosted && $0.event.author == opened.event.author }) else { return "" }
        let entries = Transcript.build(events: Array(events[...first]), keys: work.keys(for: events), keyring: keyring)
        guard case .message(let text)? = entries.last(where: { if case .visitor = $0.speaker { true } else { false } })?.content else { return "" }
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 40 ? String(line.prefix(39)) + "…" : line
    }
}
