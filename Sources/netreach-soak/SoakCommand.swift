import ArgumentParser
import NetreachCommandLine

/// `netreach-soak`: long-running reliability campaigns (ops/soak). Not shipped to deployments.
@main
struct SoakCommand: RootCommand {
    static let configuration = CommandConfiguration(
        commandName: "netreach-soak",
        abstract: "Reliability campaigns against the event log.",
        discussion: """
            Example:
              netreach-soak crash --cycles 1000 --work-dir /tmp/netreach-crash
            """,
        subcommands: [Crash.self, CrashChild.self]
    )
}
