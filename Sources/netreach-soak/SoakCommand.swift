import ArgumentParser
import NetreachCommandLine

/// `netreach-soak`: long-running reliability campaigns (ops/soak). Not shipped to deployments.
@main
struct SoakCommand: RootCommand {
    static let configuration = CommandConfiguration(
        commandName: "netreach-soak",
        abstract: "Reliability campaigns against the event log and the relay.",
        discussion: """
            Example:
              netreach-soak crash --cycles 1000 --work-dir /tmp/netreach-crash
              netreach-soak relay-crash --cycles 200 --work-dir /tmp/netreach-relay-crash
              netreach-soak power-cut --trials 5000 --work-dir /tmp/netreach-power-cut
              netreach-soak failover --cycles 20 --work-dir /tmp/netreach-failover
            """,
        subcommands: [Crash.self, CrashChild.self, RelayCrash.self, PowerCut.self, Failover.self]
    )
}
