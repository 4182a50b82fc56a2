import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// `netreach transcript ID`
struct TranscriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcript",
        abstract: "Print a conversation, decrypted in memory on this machine (never written to disk).",
        discussion: """
            Anything that cannot be decrypted (for example a key never wrapped to you) is shown as such, with the reason.

            Example:
              netreach transcript 3f9a0c1e
              netreach transcript 3f9a0c1e --format json
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Option(help: "table, json or csv.") var format: OutputFormat = .table
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("transcript") {
            try await withWorkspace(passphrase, allowOffline: true) { workspace in
                let work = ConversationWork(workspace: workspace)
                let conversation = try await work.conversation(matching: id)
                let events = try await work.events(of: conversation)
                let entries = Transcript.build(events: events, keys: work.keys(for: events), keyring: workspace.keyring)
                let sharing = keySharing(in: events, keyring: workspace.keyring,
                                         periods: PeriodKeyDirectory(events: try await workspace.replica.events(of: .keysFeed),
                                                                     keyring: workspace.keyring))
                if format == .table {
                    for entry in entries { print(transcriptLine(entry, keySharing: sharing)) }
                } else {
                    printTable(header: ["Position", "Time", "Speaker", "Kind", "Text"], rows: entries.map { row($0, keySharing: sharing) },
                               format: format)
                }
                if let last = events.last {
                    var marks = ReadMarks.load(home: workspace.home)
                    marks.markRead(conversation, upTo: last.position)
                    try? marks.save(home: workspace.home)
                }
            }
        }
    }

    func row(_ entry: TranscriptEntry, keySharing: [UInt64: String]) -> [String] {
        let speaker: String
        switch entry.speaker {
        case .visitor: speaker = "visitor"
        case .staff(_, let name): speaker = name ?? "staff"
        case .relay: speaker = "relay"
        }
        let (kind, text): (String, String)
        switch entry.content {
        case .message(let value): (kind, text) = ("message", value)
        case .note(let value): (kind, text) = ("note", value)
        case .claimed: (kind, text) = ("claimed", "")
        case .transferred(_, let toName, let note): (kind, text) = ("transferred", "to \(toName ?? "?")" + (note.map { ": " + $0 } ?? ""))
        case .closed(let wrapUp): (kind, text) = ("closed", wrapUp.map(describe) ?? "")
        case .opened(let language): (kind, text) = ("opened", "language: " + (language.map(describe) ?? "?"))
        case .keysShared: (kind, text) = ("keys shared", keySharing[entry.position] ?? "")
        case .incident(let id, let report): (kind, text) = ("incident", describe(report, id: id))
        case .consent(let change): (kind, text) = ("consent", describe(change))
        case .shared(let shared): (kind, text) = ("shared", describe(shared))
        case .feedback(let feedback): (kind, text) = ("feedback", describe(feedback))
        case .alert(let alert): (kind, text) = ("alert", "\(alert.month) \(alert.area): \(alert.summary)")
        case .erasureRequested(let reason): (kind, text) = ("erasure requested", reason.words)
        case .erased(let erased): (kind, text) = ("erased", erasedWords(erased))
        case .policy(let policy): (kind, text) = ("policy", policy.description)
        case .figuresSealed(let quarter): (kind, text) = ("figures sealed", "for \(quarter)")
        case .periodKey(let key): (kind, text) = ("period key", "for " + key.periodText)
        case .undecryptable(let reason): (kind, text) = ("undecryptable", reason)
        }
        return [String(entry.position), clock(entry.timeMilliseconds), speaker, kind, text]
    }
}
