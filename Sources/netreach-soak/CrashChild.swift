import ArgumentParser
import EventLog
import Foundation
import Sodium

extension SoakCommand {
    /// The process that gets killed: appends from many concurrent writers and reports each
    /// acknowledged event on standard output, one line per event: `<event id hex> <position>`.
    struct CrashChild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crash-child",
            abstract: "Append until killed, reporting every acknowledged event (used by `crash`).",
            shouldDisplay: false
        )

        @Option var dataDir: String
        @Option var writers = 64
        @Option(help: "Stop by itself after this many seconds, so no child outlives its parent.")
        var maximumSeconds = 30.0

        func run() async throws {
            // Background index snapshots every 500 events and deltas every 50, so that kills land
            // during both and the reopens use them; the writer waits (up to 5 ms a group) for a
            // snapshot thread 100 events behind, so that kills land during such waits too.
            let store = try FileEventStore(directory: dataDir,
                                           configuration: .init(segmentSize: 1 << 20, snapshotEveryEvents: 500,
                                                                snapshotDeltaEveryEvents: 50, snapshotLagLimit: 100,
                                                                snapshotLagWait: .milliseconds(5)))
            let deadline = ContinuousClock.now + .seconds(maximumSeconds)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        let stream = try StreamName("writer-\(writer)")
                        var n = 0
                        while ContinuousClock.now < deadline {
                            // Every fifth append is a batch of three, to exercise atomic batches.
                            let size = n % 5 == 0 ? 3 : 1
                            let events = (0..<size).map { _ in
                                ProposedEvent(type: "soak.event", timeMilliseconds: UInt64(n), payload: Random.bytes(count: 256))
                            }
                            let result = try await store.append(to: stream, expectedVersion: .any, events: events)
                            var lines = ""
                            for (k, event) in events.enumerated() { lines += "\(event.id) \(result.firstPosition + UInt64(k))\n" }
                            // One write(2) per batch: a pipe keeps writes under PIPE_BUF whole.
                            _ = lines.utf8CString.withUnsafeBufferPointer { Glibc.write(1, $0.baseAddress, $0.count - 1) }
                            n += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
            await store.close()
        }
    }
}
