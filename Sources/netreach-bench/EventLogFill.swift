import ArgumentParser
import EventLog
import Foundation
import Sodium

/// `netreach-bench eventlog-fill`: the process `eventlog` kills with SIGKILL to measure a restart
/// after a crash. It appends the big log's events, reports `filled COUNT`, then waits without ever
/// closing the store, so the directory holds only what the writer and its background snapshots left.
struct EventLogFill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventlog-fill",
        abstract: "Append the big log's events, then wait to be killed (used by `eventlog`).",
        shouldDisplay: false
    )

    @Option var dataDir: String
    @Option var events: Int
    @Option var payloadBytes = 256
    @Option(help: "Exit by itself after this many seconds of waiting, so no child outlives its parent.")
    var maximumSeconds = 3600.0

    func run() async throws {
        let store = try FileEventStore(directory: dataDir)
        try await EventLogBench.fill(store, events: events, payload: Random.bytes(count: payloadBytes))
        FileHandle.standardOutput.write(Data("filled \(store.currentHead().count)\n".utf8))
        try await Task.sleep(for: .seconds(maximumSeconds))
    }
}
