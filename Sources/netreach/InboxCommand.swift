import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach inbox`
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Conversations: waiting (oldest first, with waiting time), yours, others', closed and erased today; unread counts.",
        discussion: """
            Catches the local replica up with the relay first. IDs are the first 8 hex digits of the conversation id; \
            any unique prefix of 4 or more is accepted by the other commands.

            Language is the language of the visitor's page, sealed in the opening with the conversation key: "?" when
            the visitor's client sent none or your keys cannot open it. --language shows only chats in that language.

            Spoken by names who on duty speaks the visitor's language, as their enrolments list it (netreach org \
            enrol --languages): "nobody on duty" when everyone on duty lists languages and none of them is this one, \
            "?" when someone on duty lists none. On duty is you and every staff member who did something in the log \
            in the last --on-duty-hours (8 by default); the relay keeps no record of who is connected.

            Example:
              netreach inbox
              netreach inbox --language ro
              netreach inbox --format csv > inbox.csv
            """
    )

    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @Option(help: "Only chats whose visitor's page was in this language (a BCP 47 tag: en, ro, pl, pt-BR, es, bg).")
    var language: String?
    @Option(help: "Who counts as on duty: you and staff who did something in the log in the last this many hours (1–72).")
    var onDutyHours: Int = 8
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        _ = try wantedLanguage()
        guard (1...72).contains(onDutyHours) else { throw ValidationError("--on-duty-hours is 1 to 72, got \(onDutyHours)") }
    }

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
                let marks = ReadMarks.load(home: workspace.home)
                let me = workspace.credentials.keyID
                let now = nowMilliseconds()
                let startOfDay = now - now % 86_400_000
                // One pass over the replica for the inbox, each conversation's events and who was on duty.
                var inbox = Inbox()
                var byConversation: [ConversationID: [StoredEvent]] = [:]
                var activity = StaffActivity(since: now - min(now, UInt64(onDutyHours) * 3_600_000))
                for event in try await workspace.replica.allEvents() {
                    inbox.apply(event)
                    byConversation[event.event.conversation, default: []].append(event)
                    activity.apply(event)
                }
                let cover = LanguageCover(keyring: workspace.keyring, activity: activity, me: me)
                let myName = workspace.keyring.member(keyID: me)?.name
                func spokenBy(_ summary: ConversationSummary, _ spoken: VisitorLanguage?) -> String {
                    guard summary.state != .closed, let spoken else { return "" }
                    switch cover.answer(for: spoken) {
                    case .spoken(let names):
                        return names.map { $0 == myName ? "you" : $0.text }.joined(separator: ", ")
                    case .nobody: return "nobody on duty"
                    case .unknown: return "?"
                    }
                }
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
                            .duration(seconds: waiting), .text(spoken?.tag ?? "?"), .text(spokenBy(summary, spoken)),
                            .number(summary.messageCount), .number(unread),
                            .text(Self.preview(byConversation[summary.id] ?? [], work: work, keyring: workspace.keyring))]
                }
                var rows: [[OutputCell]] = []
                rows += inbox.waiting().compactMap { row("waiting", $0) }
                rows += inbox.mine(me).compactMap { row("mine", $0) }
                rows += inbox.others(me).compactMap { row("others", $0) }
                rows += inbox.closed(since: startOfDay).compactMap { row("closed today", $0) }
                // A chat erased today (its visitor deleted it, or an order) is said, not silently gone.
                rows += inbox.erased().filter { $0.lastActivityAt >= startOfDay }.compactMap { row("erased today", $0) }
                printTable(header: ["Section", "ID", "Owner", "Opened", "Waiting", "Language", "Spoken by", "Messages", "Unread",
                                    "First line"],
                           cells: rows, format: format)
                if rows.isEmpty && format == .table { print("(no conversations)") }
                if !rows.isEmpty && format == .table { print(Self.dutyLine(cover, me: me, hours: onDutyHours)) }
            }
        }
    }

    /// The line under the table that says who "on duty" was, and whose languages are not known.
    static func dutyLine(_ cover: LanguageCover, me: KeyID, hours: Int) -> String {
        let others = cover.onDuty.filter { $0.keyID != me }.map(\.name.text)
        var line = "On duty: you" + (others.isEmpty ? "" : ", " + others.joined(separator: ", "))
            + " (did something in the last \(hours) h)."
        let undeclared = cover.onDuty.filter(\.languages.isEmpty).map { $0.keyID == me ? "you" : $0.name.text }
        if !undeclared.isEmpty {
            line += " No languages enrolled for: \(undeclared.joined(separator: ", ")) (\"?\" above)."
        }
        return line
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
