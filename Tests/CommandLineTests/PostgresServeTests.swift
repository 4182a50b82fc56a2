import ChildProcess
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import EventLog
import EventLogPostgres
import NetreachCore
import Sodium
import PostgresTestSupport
import Testing

/// `netreach-relay serve --store postgresql://…`: the built relay with its log in PostgreSQL.
@Suite("netreach-relay serve with the log in PostgreSQL")
struct PostgresServeTests {
    typealias Configured = ConfigFileCommandTests.Configured

    /// Starts the built relay on `configured`'s file; returns it and its port once it listens.
    private func start(_ configured: Configured) async throws -> (ChildProcess, Int) {
        let relay = try ChildProcess(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path,
                                     ["serve", "--config", configured.configPath, "--log-level", "info"], mergingErrorsIntoOutput: true)
        let line = await relay.waitForOutputLine(containing: "netreach-relay listening on", timeout: .seconds(60))
        let listening = try #require(line, "the relay did not start: \(relay.output)")
        let range = try #require(listening.range(of: "http://127.0.0.1:"), "\(listening)")
        return (relay, try #require(Int(listening[range.upperBound...].prefix { $0.isNumber })))
    }

    private func healthPosition(_ port: Int) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        let health = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(health["status"] as? String == "ok", "\(health)")
        return try #require(health["position"] as? Int)
    }

    @Test("serve --store keeps the log in the database: a stop signs its checkpoint there, and the next start opens the same log")
    func serveOnPostgres() async throws {
        let configured = try await Configured.make()
        defer { configured.remove() }
        try await withTestDatabase { server, database in
            try configured.write(["data-dir": "store = postgresql://netreach@127.0.0.1:\(server.port)/\(database)"])
            let (first, port) = try await start(configured)
            defer {
                first.send(SIGKILL)
                first.waitBlocking(timeout: .seconds(5))
            }
            #expect(first.output.contains("store=postgresql://netreach@127.0.0.1:\(server.port)/\(database)"), "\(first.output)")
            // A visitor opens a conversation and writes: two events, acknowledged.
            let visitor = try await TestVisitor.open(base: "http://127.0.0.1:\(port)", keyring: try Keyring.load(directory: configured.directory + "/Keys"),
                                                     firstMessage: "hello from a visitor")
            await visitor.connection.close()
            #expect(try await healthPosition(port) == 2)
            first.send(SIGTERM)
            #expect(await first.wait(timeout: .seconds(30))?.status == 0, "\(first.output)")
            // The events are rows of the database (and the checkpoint the relay signs as it stops); no segment was written.
            let stored = try #require(Int(try await server.psql("SELECT count(*) FROM netreach_events", database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(stored == 3)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: configured.directory + "/data")) ?? []
            #expect(!files.contains { $0.hasSuffix(".seg") }, "\(files)")

            let (second, secondPort) = try await start(configured)
            defer {
                second.send(SIGKILL)
                second.waitBlocking(timeout: .seconds(5))
            }
            #expect(try await healthPosition(secondPort) == stored)
            second.send(SIGTERM)
            #expect(await second.wait(timeout: .seconds(30))?.status == 0)

            // log verify reads the database's log; one changed byte of a payload is found, at its position.
            let store = "postgresql://netreach@127.0.0.1:\(server.port)/\(database)"
            let rows = try await server.psql("SELECT count(*) FROM netreach_events", database: database).trimmingCharacters(in: .whitespacesAndNewlines)
            let verified = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--store", store])
            #expect(verified.status == 0 && verified.standardOutput.contains("events            \(rows)\n"), "\(verified.standardOutput)\(verified.standardError)")
            try await server.psql("UPDATE netreach_events SET payload = overlay(payload placing '\\xff'::bytea from 1 for 1) WHERE position = 1",
                                  database: database)
            let damaged = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--store", store, "--format", "json"])
            #expect(damaged.status == 1 && damaged.standardOutput.contains("\"position\":\"1\"") && damaged.standardError.contains("DAMAGED"),
                    "\(damaged.standardOutput)\(damaged.standardError)")
        }
        // A database without a Netreach log is not given one by verify: it says so (exit 1).
        try await withTestDatabase { server, database in
            let empty = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--store", "postgresql://netreach@127.0.0.1:\(server.port)/\(database)"])
            #expect(empty.status == 1 && empty.standardError.contains("holds no Netreach log"), "\(empty.standardError)")
            #expect(try await server.psql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'netreach%'", database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }

    @Test("a store address with a password, a store beside a data-dir, and an unreachable database are each refused at start (exit 1), naming why")
    func badStores() async throws {
        let configured = try await Configured.make()
        defer { configured.remove() }
        let cases: [(replacing: [String: String?], extra: [String], says: String)] = [
            (["data-dir": "store = postgresql://netreach:secret@127.0.0.1:5432/netreach"], [], "holds a password"),
            ([:], ["store = postgresql://netreach@127.0.0.1:5432/netreach"], "either in data-dir or in store"),
            (["data-dir": "store = mysql://netreach@127.0.0.1/netreach"], [], "not a postgresql:// address"),
            (["data-dir": "store = postgresql://netreach@127.0.0.1:1/netreach"], [], "the event log cannot be opened: unavailable"),
        ]
        for (replacing, extra, says) in cases {
            try configured.write(replacing, extra: extra)
            let outcome = try await ChildProcess.run(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path,
                                                     ["serve", "--config", configured.configPath], mergingErrorsIntoOutput: true,
                                                     timeout: .seconds(90))
            #expect(outcome.status == 1 && outcome.output.contains(says), "\(says): \(outcome.output)")
            #expect(!outcome.output.contains("secret"), "the password was printed: \(outcome.output)")
        }
    }

    @Test("a database that holds another deployment's log is refused at start (exit 1), and nothing is written to it")
    func otherDeploymentsDatabase() async throws {
        let configured = try await Configured.make()
        defer { configured.remove() }
        try await withTestDatabase { server, database in
            // Another deployment's relay opened this database first: its organisation key owns the log.
            let theirs = try await PostgresEventStore.open(configuration: server.configuration(database: database),
                                                           timeout: .seconds(120), owner: SigningKeyPair.generate().publicKey.bytes, logger: quietLogger)
            _ = try await theirs.append(to: "s", expectedVersion: .any, events: [
                ProposedEvent(type: "test.event", author: AuthorID(Array(repeating: 1, count: 16)), timeMilliseconds: 1, payload: [1])])
            await theirs.close()
            try configured.write(["data-dir": "store = postgresql://netreach@127.0.0.1:\(server.port)/\(database)"])
            let outcome = try await ChildProcess.run(BinaryRunner.productsDirectory.appendingPathComponent("netreach-relay").path,
                                                     ["serve", "--config", configured.configPath], mergingErrorsIntoOutput: true,
                                                     timeout: .seconds(90))
            #expect(outcome.status == 1 && outcome.output.contains("another deployment's log"), "\(outcome.output)")
            let count = try await server.psql("SELECT count(*) FROM netreach_events", database: database)
            #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }
    }
}
