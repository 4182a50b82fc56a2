import ArgumentParser
import NetreachCommandLine
import NetreachCore
import NetreachRelay

/// `netreach-relay`: runs and administers a Netreach relay.
@main
struct NetreachRelayCommand: RootCommand {
    static let configuration = CommandConfiguration(
        commandName: "netreach-relay",
        abstract: "Run and administer a Netreach relay.",
        discussion: """
            The relay stores and forwards end-to-end encrypted events; it never sees plaintext.

            Example:
              netreach-relay log verify --data-dir /var/lib/netreach/log
            """,
        version: NetreachVersion.current,
        subcommands: [Serve.self, CheckConfig.self, MakeKey.self, Onion.self, Log.self, Backup.self, Restore.self,
                      DemoDeploymentCommand.self]
    )

    static func main() async {
        // `serve` runs its tasks on SwiftNIO's event loops (docs/RELAY.md, "Threads"). This
        // must happen here, on the main thread, before any task exists.
        if CommandLine.arguments.dropFirst().first == "serve" { RelayExecutor.installEventLoopsAsGlobalExecutor() }
        await runAsRoot()
    }
}

extension NetreachRelayCommand {
    /// `netreach-relay log …`: inspect the event log.
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect the relay's event log.",
            subcommands: [Verify.self, CutTail.self]
        )
    }
}
