import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach status`
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Check the login: relay reachable, keyring verified, your enrolment, the local replica.",
        discussion: "Example:\n  netreach status")

    @Option(help: "table or json.") var format: OutputFormat = .table
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("status") {
            try await withWorkspace(passphrase) { workspace in
                var inbox = Inbox()
                let events = try await workspace.replica.allEvents()
                for event in events { inbox.apply(event) }
                let member = workspace.keyring.member(signKey: workspace.credentials.signing.publicKey)
                printRecord([
                    ("relay", workspace.settings.relay + " (connected, challenge answered)"),
                    ("organisation", "\(workspace.organisation.name) \(workspace.organisation.fingerprint)"),
                    ("you", "\(workspace.credentials.name) (\(member?.role.rawValue ?? "?"))"),
                    ("staff enrolled", String(workspace.keyring.active.count)),
                    ("replica", "\(events.count) events, up to relay position \(events.last.map { String($0.position) } ?? "-")"),
                    ("waiting", String(inbox.waiting().count)),
                    ("yours", String(inbox.mine(workspace.credentials.keyID).count)),
                ], format: format)
            }
        }
    }
}
