import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach claim ID`
struct ClaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Take a waiting conversation. If a colleague claimed it a moment before you, says who.",
        discussion: """
            Example:
              netreach claim 3f9a0c1e
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it (4+ characters).") var id: String
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("claim") {
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace)
                let conversation = try await work.conversation(matching: id)
                try await work.claim(conversation)
                print("you have \(shortID(conversation)); answer with: netreach chat \(shortID(conversation))")
            }
        }
    }
}
