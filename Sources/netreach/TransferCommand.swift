import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach transfer ID --to NAME --note TEXT`
struct TransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Hand a conversation to a colleague, with a note for them; shares the keys with them if they lack them.",
        discussion: """
            Example:
              netreach transfer 3f9a0c1e --to jo --note \\
                "needs a supervisor: mentions a dangerous client"
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Option(help: "The colleague's staff name.") var to: String
    @Option(help: "A note for them (staff only).") var note: String

    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        do { _ = try StaffName(to) } catch { throw ValidationError("--to: \(error.message)") }
        guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--note is empty") }
    }

    func run() async throws {
        try await failing("transfer") {
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace)
                let conversation = try await work.conversation(matching: id)
                try await work.transfer(conversation, to: try StaffName(to), note: note)
                print("\(shortID(conversation)) is now \(to)'s")
            }
        }
    }
}
