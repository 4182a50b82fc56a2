import ArgumentParser
import NetreachCore

/// `netreach-relay`: runs and administers a Netreach relay.
@main
struct NetreachRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netreach-relay",
        abstract: "Run and administer a Netreach relay.",
        discussion: """
            The relay stores and forwards end-to-end encrypted events; it never sees plaintext.

            Example:
              netreach-relay --version
            """,
        version: NetreachVersion.current,
        subcommands: []
    )
}
