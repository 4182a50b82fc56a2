import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// Opens the workspace (settings, keys, relay, replica); also returns the passphrase, which `chat`
/// keeps to reconnect.
func openWorkspace(_ passphrase: PassphraseOptions) async throws -> (StaffWorkspace, SecureBytes) {
    let home = try netreachHome()
    let settings = try ClientSettings.load(home: home)
    let secret = try passphrase.obtain(prompt: "Passphrase for \(settings.name): ")
    do {
        return (try await StaffWorkspace.open(home: home, passphrase: secret), secret)
    } catch let failure as StaffSession.Failure {
        throw CommandFailure(failure.description)
    }
}

/// Opens the workspace, runs `body`, and closes it whatever happens.
func withWorkspace<T>(_ passphrase: PassphraseOptions, _ body: (StaffWorkspace) async throws -> T) async throws -> T {
    let (workspace, _) = try await openWorkspace(passphrase)
    do {
        let result = try await body(workspace)
        await workspace.close()
        return result
    } catch {
        await workspace.close()
        throw error
    }
}

/// "12 min", "3 h 5 min", "2 d".
func duration(milliseconds: UInt64) -> String {
    let minutes = milliseconds / 60_000
    if minutes < 60 { return "\(minutes) min" }
    if minutes < 48 * 60 { return "\(minutes / 60) h \(minutes % 60) min" }
    return "\(minutes / 1440) d"
}

/// A relay time as local `yyyy-MM-dd HH:mm`.
func clock(_ milliseconds: UInt64) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

/// The short form of a conversation id shown in lists: its first 8 hex digits (hex, so that it never
/// starts with '-' and reads as an option). Any unique prefix of 4+ hex digits is accepted back.
func shortID(_ conversation: ConversationID) -> String { String(Hex.encode(conversation.bytes).prefix(8)) }

/// A wrap-up on one line: "topics violence, safety-advice; referrals advocacy-isva; outcome referred; new contact".
func describe(_ wrapUp: WrapUp) -> String {
    "topics \(wrapUp.topics.map(\.name).joined(separator: ", ")); referrals "
        + (wrapUp.referrals.isEmpty ? "none" : wrapUp.referrals.map(\.name).joined(separator: ", "))
        + "; outcome \(wrapUp.outcome.name); \(wrapUp.contact.name) contact"
        + (wrapUp.demographics.isRecorded ? "; age \(wrapUp.demographics.age.name), gender \(wrapUp.demographics.gender.name), "
            + "work setting \(wrapUp.demographics.workSetting.name)" : "")
}

func describe(_ report: IncidentReport, id: IncidentID) -> String {
    "incident \(id.shortID), \(report.date) \(report.timeBand.rawValue), \(report.area): "
        + report.harms.map(\.label).joined(separator: ", ") + "; consent \(report.consent.summary)"
}

func describe(_ change: ConsentChange) -> String {
    "incident \(change.incident.shortID) now at \(change.level.summary)"
        + (change.visitorSaidOn.isEmpty ? "" : " (the visitor said so on \(change.visitorSaidOn))")
}

func describe(_ shared: IncidentShared) -> String {
    "incident \(shared.incident.shortID) shared as \(shared.recipient == .police ? "a police package" : "an alert") at consent "
        + "\(shared.level.rawValue)" + (shared.note.isEmpty ? "" : ": \(shared.note)")
}

/// One transcript entry as the chat and `transcript` print it.
func transcriptLine(_ entry: TranscriptEntry) -> String {
    let time = clock(entry.timeMilliseconds).suffix(5)
    let who: String
    switch entry.speaker {
    case .visitor: who = "visitor"
    case .staff(_, let name): who = name ?? "staff"
    }
    switch entry.content {
    case .message(let text): return "[\(time)] \(who): \(text)"
    case .note(let text): return "[\(time)] (note by \(who)) \(text)"
    case .claimed: return "[\(time)] — \(who) claimed the conversation —"
    case .transferred(_, let toName, let note): return "[\(time)] — \(who) transferred it to \(toName ?? "someone")\(note.map { ": \($0)" } ?? "") —"
    case .closed(let wrapUp): return "[\(time)] — \(who) closed the conversation\(wrapUp.map { ": " + describe($0) } ?? "") —"
    case .opened: return "[\(time)] — the visitor opened the conversation —"
    case .keysShared: return "[\(time)] — \(who) shared the keys with a colleague —"
    case .incident(let id, let report): return "[\(time)] — \(who) reported an incident: \(describe(report, id: id)) —"
    case .consent(let change): return "[\(time)] — \(who) changed consent: \(describe(change)) —"
    case .shared(let shared): return "[\(time)] — \(who) shared an incident: \(describe(shared)) —"
    case .alert(let alert): return "[\(time)] — \(who) published an alert: \(alert.month) \(alert.area) —"
    case .undecryptable(let reason): return "[\(time)] \(who): [cannot be read: \(reason)]"
    }
}
