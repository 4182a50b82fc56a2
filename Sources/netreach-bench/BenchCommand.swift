import ArgumentParser
import NetreachCommandLine
import NetreachRelay

/// `netreach-bench`: performance measurements against baselines taken in the same run (ops/bench).
@main
struct BenchCommand: RootCommand {
    static let configuration = CommandConfiguration(
        commandName: "netreach-bench",
        abstract: "Measure Netreach against baselines measured in the same run.",
        discussion: """
            Build with -c release; debug builds are many times slower.

            Example:
              netreach-bench eventlog --work-dir /var/tmp/netreach-bench --json bench-results/eventlog.json
              netreach-bench load --work-dir /var/tmp/netreach-load --clients 2000 --minutes 2
            """,
        subcommands: [EventLogBench.self, PostgresBench.self, RelayBench.self, LoadBench.self, EventLogFill.self, RetentionBench.self]
    )

    static func main() async {
        // The relay benchmark runs its relay as `netreach-relay serve` runs it: tasks on SwiftNIO's
        // event loops (docs/RELAY.md). Its echo baseline runs in the same process, on the same loops.
        if CommandLine.arguments.dropFirst().first == "relay" { RelayExecutor.installEventLoopsAsGlobalExecutor() }
        await runAsRoot()
    }
}
