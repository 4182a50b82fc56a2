import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// `netreach audit [--staff NAME] [--conversation ID] [--since DATE] [--until DATE] [--action TYPE]` (supervisors)
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Who did what, when, to which conversation: every staff action in the log, and the keyring's changes. Supervisors only.",
        discussion: """
            Actions: \(AuditEntry.Action.allCases.map(\.rawValue).joined(separator: ", ")). \
            Dates are days in UTC, inclusive (YYYY-MM-DD). Enrolments and revocations come from the keyring and have \
            no log position. The audit shows what the log shows in the clear; only a sharing record is opened (with \
            the conversation's staff key, when you hold it) to tell a police export from an alert. An action taken on a \
            conversation that another staff member had at the time (netreach send --as-colleague, say) says \
            "on NAME's conversation" in its detail; who had it is read from the claims and transfers in the log.

            Example:
              netreach audit --staff sam --since 2026-07-01 --until 2026-09-30 --format \\
                csv > sam-q3.csv
            """
    )

    @Option(help: "Only this staff member's actions.") var staff: String?
    @Option(help: "Only this conversation (id or unique prefix).") var conversation: String?
    @Option(help: "From this day, YYYY-MM-DD (UTC).") var since: String?
    @Option(help: "Up to and including this day, YYYY-MM-DD (UTC).") var until: String?
    @Option(help: "Only this action (see above).") var action: String?
    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        if let action, AuditEntry.Action(rawValue: action) == nil {
            throw ValidationError("unknown action '\(action)'; the actions are: \(AuditEntry.Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try Self.day(since, "since")
        _ = try Self.day(until, "until")
        if let start = try Self.day(since, "since"), let end = try Self.day(until, "until"), start > end {
            throw ValidationError("--since \(since!) is after --until \(until!)")
        }
    }

    /// Milliseconds at the start of a UTC day.
    static func day(_ text: String?, _ option: String) throws -> UInt64? {
        guard let text else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard text.count == 10, let date = formatter.date(from: text), date.timeIntervalSince1970 >= 0 else {
            throw ValidationError("--\(option) is a day written YYYY-MM-DD, got '\(text)'")
        }
        return UInt64(date.timeIntervalSince1970) * 1000
    }

    func run() async throws {
        try await failing("audit") {
            try await withWorkspace(passphrase, allowOffline: true) { workspace in
                try requireSupervisor(workspace, for: "audit")
                if let staff, !workspace.keyring.certificates.contains(where: { $0.name.text == staff }) {
                    let names = Set(workspace.keyring.certificates.map(\.name.text)).sorted().joined(separator: ", ")
                    throw UsageFailure("no staff member named \(staff) in the keyring (staff: \(names))")
                }
                let work = ConversationWork(workspace: workspace)
                try await work.catchUp()
                var conversationID: ConversationID?
                if let conversation { conversationID = try await work.conversation(matching: conversation) }
                let events = try await workspace.replica.allEvents()
                // Sharing records are sealed with the staff key: opened here to tell a police export from an alert.
                let byConversation = Dictionary(grouping: events.filter { $0.kind != .alertPublished }, by: \.conversation)
                var staffKeys: [ConversationID: [SecureBytes]] = [:]
                let sharing: (StoredEvent) -> IncidentShared? = { stored in
                    if staffKeys[stored.conversation] == nil {
                        staffKeys[stored.conversation] = work.keys(for: byConversation[stored.conversation] ?? []).staffKeys
                    }
                    guard let text = ConversationKeys.open(stored.event.content, with: staffKeys[stored.conversation] ?? []) else { return nil }
                    return try? IncidentShared(text: text)
                }
                let entries = AuditTrail.filter(AuditTrail.build(events: events, keyring: workspace.keyring, sharing: sharing),
                                                staff: staff, conversation: conversationID, since: try Self.day(since, "since"),
                                                until: try Self.day(until, "until").map { $0 + 86_400_000 - 1 },
                                                action: action.flatMap(AuditEntry.Action.init(rawValue:)))
                let onColleagues = ColleagueRule.actionsOnColleagues(in: events)
                printTable(header: ["position", "time", "action", "staff", "conversation", "detail"], rows: entries.map { entry in
                    let colleague = entry.position.flatMap { onColleagues[$0] }.map { "on \(work.name(of: $0))'s conversation" }
                    return [entry.position.map(String.init) ?? "keyring", utcClock(entry.timeMilliseconds), entry.action.rawValue, entry.actor,
                            entry.conversation.map(shortID) ?? "", [entry.detail, colleague ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")]
                }, format: format)
            }
        }
    }
}

/// Refuses a command to anyone whose enrolment is not as a supervisor.
func requireSupervisor(_ workspace: StaffWorkspace, for command: String) throws {
    let me = workspace.credentials.signing.publicKey
    guard let certificate = workspace.keyring.certificates.first(where: { $0.signKey == me }) else {
        throw CommandFailure("\(command): your key is not in the keyring")
    }
    guard certificate.role == .supervisor else {
        throw CommandFailure("\(command) is for supervisors; \(certificate.name.text) is enrolled as a \(certificate.role.rawValue)")
    }
}

/// A time as `yyyy-MM-dd HH:mm:ss` in UTC, for records that others compare.
func utcClock(_ milliseconds: UInt64) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) + "Z"
}
