import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach grant NAME --all | ID…`: share conversation keys with a colleague who lacks them.
struct GrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Share the keys of conversations with a colleague who cannot read them (a supervisor enrolled later).",
        discussion: """
            Wraps each conversation's key, and its staff key for notes and wrap-ups when there is one, to the \
            colleague's enrolled key: key.wrapped events in the log, signed by you, which 'netreach audit' shows. \
            Only keys you hold can be shared; the colleague must be enrolled and not revoked. Nothing is shared \
            twice. Exit status: 0 done (also when nothing was missing), 1 a refusal, 2 a usage error.

            Examples:
              netreach grant kim --all
              netreach grant kim 3f9a0c1e 77b2e901
            """
    )

    @Argument(help: "The colleague's staff name.") var name: String
    @Argument(help: "Conversation ids or unique prefixes (or --all).") var ids: [String] = []
    @Flag(help: "Every conversation in your replica.") var all = false
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        do { _ = try StaffName(name) } catch { throw ValidationError("\(name): \(error.message)") }
        guard all != !ids.isEmpty else { throw ValidationError("name the conversations, or give --all (not both)") }
    }

    func run() async throws {
        try await failing("grant") {
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace)
                let staffName = try StaffName(name)
                guard let member = workspace.keyring.active.first(where: { $0.name == staffName }) else {
                    let names = workspace.keyring.active.map(\.name.text).sorted().joined(separator: ", ")
                    throw UsageFailure("no active staff member named \(name) (active: \(names))")
                }
                guard member.keyID != workspace.credentials.keyID else { throw CommandFailure("grant: you hold your own keys already") }
                var conversations: [ConversationID] = []
                if all {
                    var inbox = Inbox()
                    for event in try await workspace.replica.allEvents() { inbox.apply(event) }
                    conversations = inbox.conversations.values.sorted { $0.openedPosition < $1.openedPosition }.map(\.id)
                } else {
                    for id in ids { conversations.append(try await work.conversation(matching: id)) }
                }
                var shared = 0, held = 0, notHeld: [String] = []
                for conversation in conversations {
                    switch try await work.grant(conversation, to: member) {
                    case .shared: shared += 1
                    case .alreadyHeld: held += 1
                    case .notHeld: notHeld.append(shortID(conversation))
                    }
                }
                print("shared the keys of \(shared) conversation(s) with \(name); \(held) they could read already")
                if !notHeld.isEmpty {
                    printToStandardError("netreach: grant: you hold no key of \(notHeld.count) conversation(s), so they were not shared: "
                                         + notHeld.prefix(10).joined(separator: " ") + (notHeld.count > 10 ? " …" : ""))
                }
            }
        }
    }
}
