import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach send ID TEXT`
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one message to the visitor (encrypted on this machine with the conversation key).",
        discussion: """
            A conversation a colleague has is refused (exit 1, naming them) unless you say --as-colleague.

            Example:
              netreach send 3f9a0c1e \\
                "Hi, I'm Sam from the project. You can talk to me here."
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Argument(help: "The message.") var text: String
    @Flag(help: "Do it although a colleague has the conversation, on purpose (netreach audit shows it).") var asColleague = false
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the message is empty") }
        guard text.utf8.count <= SealedText.maximumTextCount else { throw ValidationError("a message is at most \(SealedText.maximumTextCount) bytes") }
    }

    func run() async throws {
        try await failing("send") {
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace, asColleague: asColleague)
                let conversation = try await work.conversation(matching: id)
                try await work.send(conversation, text: text)
                print("sent to \(shortID(conversation))")
            }
        }
    }
}
