import ArgumentParser
import EventLog
import EventLogPostgres
import Foundation
import Logging
import NIOCore
import PostgresNIO
import PostgresTestSupport
import Sodium

/// `netreach-bench eventlog-postgres` (`ops/bench eventlog --store postgres`): durable appends/s of
/// the PostgreSQL store against the file store and against plain single-row INSERT transactions on
/// the same server, in one run (docs/RELIABILITY.md, "Event log on PostgreSQL").
struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventlog-postgres",
        abstract: "Durable appends/s (1 and 64 appenders): the PostgreSQL store against plain INSERTs on the same server, and the file store.",
        discussion: """
            Starts its own PostgreSQL 15 server (fsync and synchronous commit on) under --work-dir, as the postgres user.

            Example:
              netreach-bench eventlog-postgres --work-dir /var/tmp/netreach-bench-pg
            """
    )

    @Option(help: "Scratch directory on the disk to measure (emptied first, removed after).") var workDir: String
    @Option(help: "Seconds each append measurement runs.") var seconds = 3.0
    @Option(help: "Runs of each measurement; the median is reported.") var repeats = 3
    @Option(help: "Payload size in bytes.") var payloadBytes = 256
    @Option(help: "Write the figures to this JSON file.") var json: String?

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard seconds > 0, repeats > 0, (0...65_536).contains(payloadBytes) else {
            throw ValidationError("--seconds and --repeats must be positive; --payload-bytes 0…65536")
        }
    }

    func run() async throws {
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        _ = chmod(workDir, 0o755)  // the postgres user makes its cluster in here
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        let server = try await TestDatabaseServer.start(durable: true, under: workDir)
        let payload = Random.bytes(count: payloadBytes)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        print("PostgreSQL store benchmark: \(payloadBytes)-byte payloads, \(seconds) s per run, median of \(repeats), "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores; PostgreSQL 15 with fsync and synchronous_commit on")
        var runs: [String: [Double]] = [:]
        do {
            for run in 1...repeats {
                for writers in [1, 64] {
                    let database = "bench_\(run)_\(writers)"
                    try await server.psql("CREATE DATABASE \(database)")
                    var configuration = server.configuration(database: database)
                    configuration.options.maximumConnections = writers + 4
                    let store = try await PostgresEventStore.open(configuration: configuration, timeout: .seconds(60), logger: logger)
                    runs["postgres_store_appends_per_s_\(writers)", default: []].append(
                        try await measureAppends(to: store, writers: writers, payload: payload, seconds: seconds))
                    await store.close()
                    runs["postgres_inserts_per_s_\(writers)", default: []].append(
                        try await inserts(configuration: configuration, writers: writers, payload: payload, logger: logger))
                    let file = try FileEventStore(directory: workDir + "/file-\(run)-\(writers)")
                    runs["file_store_appends_per_s_\(writers)", default: []].append(
                        try await measureAppends(to: file, writers: writers, payload: payload, seconds: seconds))
                    await file.close()
                }
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        var figures: [String: Double] = [:]
        for key in runs.keys.sorted() {
            let sorted = runs[key]!.sorted()
            figures[key] = sorted[sorted.count / 2]
            print("    \(key) runs: " + runs[key]!.map { String(format: "%.0f", $0) }.joined(separator: ", "))
        }
        func report(_ key: String, _ label: String) {
            let padded = label.count < 56 ? label + String(repeating: " ", count: 56 - label.count) : label
            print("  " + padded + String(format: "%12.1f", figures[key]!))
        }
        report("postgres_store_appends_per_s_1", "PostgreSQL store, durable appends/s, 1 appender")
        report("postgres_store_appends_per_s_64", "PostgreSQL store, durable appends/s, 64 appenders")
        report("postgres_inserts_per_s_1", "plain INSERT transactions/s, 1 client")
        report("postgres_inserts_per_s_64", "plain INSERT transactions/s, 64 clients")
        report("file_store_appends_per_s_1", "file store, durable appends/s, 1 appender")
        report("file_store_appends_per_s_64", "file store, durable appends/s, 64 appenders")
        figures["ratio_store_vs_inserts_64"] = figures["postgres_store_appends_per_s_64"]! / figures["postgres_inserts_per_s_64"]!
        report("ratio_store_vs_inserts_64", "ratio, 64: PostgreSQL store / plain INSERTs (goal ≥ 1)")
        if let json {
            var document: [String: any Sendable] = figures
            document["payload_bytes"] = payloadBytes
            document["cores"] = ProcessInfo.processInfo.activeProcessorCount
            try writeFigures(document, to: json)
            print("wrote \(json)")
        }
    }

    /// Single-row INSERT transactions per second from `writers` clients on the same server: what an
    /// application that does one INSERT per event, without grouping, gets.
    private func inserts(configuration: PostgresClient.Configuration, writers: Int, payload: [UInt8], logger: Logger) async throws -> Double {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Double?.self) { outer in
            outer.addTask {
                await client.run()
                return nil
            }
            defer { outer.cancelAll() }
            try await client.query("CREATE TABLE IF NOT EXISTS baseline (id bigserial PRIMARY KEY, event_id bytea NOT NULL, payload bytea NOT NULL)")
            let deadline = ContinuousClock.now + .seconds(seconds)
            let start = ContinuousClock.now
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        var count = 0
                        let body = ByteBuffer(bytes: payload)
                        while ContinuousClock.now < deadline {
                            try await client.query("INSERT INTO baseline (event_id, payload) VALUES (\(ByteBuffer(bytes: Random.bytes(count: 16))), \(body))")
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            return Double(total) / (ContinuousClock.now - start).seconds
        }
    }
}
