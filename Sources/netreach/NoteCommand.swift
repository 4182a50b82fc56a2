import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach note ID TEXT`
struct NoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note",
        abstract: "Add a note to a conversation that only staff can read (the visitor never sees it).",
        discussion: """
            Start the note with "handover:" to show it in netreach handover. A handover note may go on any \
            conversation; another note on a conversation a colleague has is refused unless you say --as-colleague.

            Example:
              netreach note 3f9a0c1e "handover: wants a call back about housing on Monday"
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Argument(help: "The note.") var text: String
    @Flag(help: "Do it although a colleague has the conversation, on purpose (netreach audit shows it).") var asColleague = false
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the note is empty") }
        guard text.utf8.count <= SealedText.maximumTextCount else { throw ValidationError("a note is at most \(SealedText.maximumTextCount) bytes") }
    }

    func run() async throws {
        try await failing("note") {
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace, asColleague: asColleague)
                let conversation = try await work.conversation(matching: id)
                try await work.note(conversation, text: text)
                print("note added to \(shortID(conversation))")
            }
        }
    }
}
