import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// Opens the workspace (settings, keys, relay, replica). The keys come from the unlock agent when one
/// runs and no passphrase was given to this command; otherwise from the key file and the passphrase.
/// With `allowOffline` (commands that only read), an unreachable relay opens the replica as it is,
/// and the first line on stderr says so and how old it is (docs/CLI.md, "Offline").
func openWorkspace(_ passphrase: PassphraseOptions, allowOffline: Bool = false) async throws -> StaffWorkspace {
    let home = try netreachHome()
    let settings = try ClientSettings.load(home: home)
    let credentials: StaffCredentials
    if passphrase.passphraseFile == nil, ProcessInfo.processInfo.environment["NETREACH_PASSPHRASE"] == nil,
       let name = try? StaffName(settings.name), let unlocked = KeyAgent.credentials(home: home, name: name) {
        credentials = unlocked
    } else {
        let secret = try passphrase.obtain(prompt: "Passphrase for \(settings.name): ")
        credentials = try StaffCredentials.load(home: home, name: settings.name, passphrase: secret)
    }
    do {
        let workspace = try await StaffWorkspace.open(home: home, credentials: credentials, allowOffline: allowOffline)
        if let note = await workspace.offlineNote { printToStandardError(note) }
        for note in workspace.periodNotes { printToStandardError(note) }
        return workspace
    } catch let failure as StaffSession.Failure {
        throw CommandFailure(failure.description)
    }
}

/// Opens the workspace, runs `body`, and closes it whatever happens.
func withWorkspace<T>(_ passphrase: PassphraseOptions, allowOffline: Bool = false,
                      _ body: (StaffWorkspace) async throws -> T) async throws -> T {
    let workspace = try await openWorkspace(passphrase, allowOffline: allowOffline)
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

/// "ro (Romanian)" for a page language, the bare tag for any other.
func describe(_ language: VisitorLanguage) -> String {
    language.name.map { "\(language.tag) (\($0))" } ?? language.tag
}

func describe(_ report: IncidentReport, id: IncidentID) -> String {
    "incident \(id.shortID), \(report.date) \(report.timeBand.rawValue), \(report.area): "
        + report.harms.map(\.label).joined(separator: ", ") + "; consent \(report.consent.summary)"
}

func describe(_ change: ConsentChange) -> String {
    "incident \(change.incident.shortID) now at \(change.level.summary)"
        + (change.visitorSaidOn.isEmpty ? "" : " (the visitor said so on \(change.visitorSaidOn))")
}

/// "helpful: a little; safer: yes; helped most: health" — only the questions the visitor answered.
func describe(_ feedback: VisitorFeedback) -> String {
    [feedback.helpful.map { "helpful: " + $0.label }, feedback.safer.map { "safer or better informed: " + $0.label },
     feedback.helpedMost.map { "helped most: " + $0.label }].compactMap { $0 }.joined(separator: "; ")
}

func describe(_ shared: IncidentShared) -> String {
    "incident \(shared.incident.shortID) shared as \(shared.recipient == .police ? "a police package" : "an alert") at consent "
        + "\(shared.level.rawValue)" + (shared.note.isEmpty ? "" : ": \(shared.note)")
}

/// What each `key.wrapped` of a conversation did, by log position, in words: the first staff key is
/// made for every staff member (no colleague is involved), a transfer shares keys with its receiver.
/// A wrap may name a member's period key (`periods`): it is theirs.
func keySharing(in events: [StoredEvent], keyring: Keyring, periods: PeriodKeyDirectory) -> [UInt64: String] {
    var texts: [UInt64: String] = [:]
    // The enrolled key id a recipient stands for: itself, or the period key's author's.
    func owner(_ id: [UInt8]) -> [UInt8] { periods.published(keyID: id).map { KeyID($0.author).bytes } ?? id }
    for stored in events where stored.kind == .keyRotated {
        guard let rotated = try? KeyRotated(content: stored.event.content) else { continue }
        let key = rotated.purpose == .staffKey ? "staff key" : "conversation key"
        let staff = rotated.wraps.filter { wrap in keyring.certificates.contains { $0.keyID.bytes == owner(wrap.recipient) } }.count
        texts[stored.position] = "replaced the \(key) (someone left): the new one is for \(staff) staff member\(staff == 1 ? "" : "s")"
            + (rotated.purpose == .conversationKey ? " and the visitor" : "")
    }
    for stored in events where stored.kind == .keyWrapped {
        guard let wrapped = try? KeyWrapped(content: stored.event.content) else { continue }
        let key = wrapped.purpose == .staffKey ? "staff key (for notes and the wrap-up)" : "conversation key"
        let recipients = wrapped.wraps.map { owner($0.recipient) }.filter { $0 != stored.authorKeyID.bytes }
        if wrapped.purpose == .staffKey && recipients.count < wrapped.wraps.count {
            texts[stored.position] = "made the \(key) for every staff member (\(wrapped.wraps.count))"
        } else {
            let names = recipients.map { id in keyring.certificates.first { $0.keyID.bytes == id }?.name.text ?? "an unknown key" }
            texts[stored.position] = "shared the \(key) with " + (names.isEmpty ? "nobody" : names.joined(separator: ", "))
        }
    }
    return texts
}

/// One transcript entry as the chat and `transcript` print it; `keySharing` (above) words a `key.wrapped`.
func transcriptLine(_ entry: TranscriptEntry, keySharing: [UInt64: String] = [:]) -> String {
    let time = clock(entry.timeMilliseconds).suffix(5)
    let who: String
    switch entry.speaker {
    case .visitor: who = "visitor"
    case .staff(_, let name): who = name ?? "staff"
    case .relay: who = "relay"
    }
    switch entry.content {
    case .message(let text): return "[\(time)] \(who): \(text)"
    case .note(let text): return "[\(time)] (note by \(who)) \(text)"
    case .claimed: return "[\(time)] — \(who) claimed the conversation —"
    case .transferred(_, let toName, let note): return "[\(time)] — \(who) transferred it to \(toName ?? "someone")\(note.map { ": \($0)" } ?? "") —"
    case .closed(let wrapUp): return "[\(time)] — \(who) closed the conversation\(wrapUp.map { ": " + describe($0) } ?? "") —"
    case .opened(let language): return "[\(time)] — the visitor opened the conversation (language: \(language.map(describe) ?? "?")) —"
    case .keysShared: return "[\(time)] — \(who) \(keySharing[entry.position] ?? "shared keys for this conversation") —"
    case .incident(let id, let report): return "[\(time)] — \(who) reported an incident: \(describe(report, id: id)) —"
    case .consent(let change): return "[\(time)] — \(who) changed consent: \(describe(change)) —"
    case .shared(let shared): return "[\(time)] — \(who) shared an incident: \(describe(shared)) —"
    case .feedback(let feedback): return "[\(time)] — the visitor gave feedback: \(describe(feedback)) —"
    case .alert(let alert): return "[\(time)] — \(who) published an alert: \(alert.month) \(alert.area) —"
    case .erasureRequested(let reason): return "[\(time)] — erasure requested: \(reason.words) —"
    case .erased(let erased): return "[\(time)] — \(erasedWords(erased)) —"
    case .policy(let policy): return "[\(time)] — \(who) set the retention policy: \(policy) —"
    case .figuresSealed(let quarter): return "[\(time)] — \(who) sealed the figures of \(quarter) —"
    case .periodKey(let key): return "[\(time)] — \(who) published a key for \(key.periodText) —"
    case .undecryptable(let reason): return "[\(time)] \(who): [cannot be read: \(reason)]"
    }
}

/// "the relay erased 12 events (9 messages, …): the visitor deleted the chat".
func erasedWords(_ erased: ContentErased) -> String {
    var counts: [EventKind: Int] = [:]
    for entry in erased.entries { counts[entry.kind, default: 0] += 1 }
    let kinds = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.name)" }.joined(separator: ", ")
    return "the relay erased \(erased.entries.count) event\(erased.entries.count == 1 ? "" : "s") (\(kinds)): \(erased.words)"
}
