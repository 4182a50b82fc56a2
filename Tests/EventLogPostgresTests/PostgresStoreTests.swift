import EventLog
import EventLogPostgres
import PostgresTestSupport
import Foundation
import PostgresNIO
import Testing

/// What only the PostgreSQL store has: several processes on one database, a schema to check, a
/// database that may not answer.
@Suite("EventLog on PostgreSQL: two relays on one database, its schema, a database that does not answer")
struct PostgresStoreTests {
    @Test("two stores on one database (two relays): one order without gaps, one chain, and each wakes for the other's appends")
    func twoRelaysOneLog() async throws {
        try await withTestDatabase { server, database in
            try await withPostgresStore(server, database) { a in
                try await withPostgresStore(server, database) { b in
                    #expect(a.logID == b.logID)
                    // A follower on A and a stream waiter on A, woken only by B's appends (LISTEN/NOTIFY).
                    let followed = Task { try await collect(a.follow(from: 0), count: 42) }
                    let streamed = Task { try await collect(a.follow(stream: "b-only", from: 0), count: 2) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (store, name) in [(a, "a"), (b, "b")] {
                            group.addTask {
                                for n in 0..<20 {
                                    _ = try await store.append(to: try StreamName("\(name)\(n % 4)"), expectedVersion: .any,
                                                               events: [proposed("\(name)\(n)")])
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    _ = try await b.append(to: "b-only", expectedVersion: .noStream, events: [proposed("from b")])
                    let all = try await a.read(from: 0, maxCount: 100)
                    #expect(all.count == 41)
                    #expect(chainReaches(try await b.head(), through: all))
                    // Every event once, in position order, and one live mark somewhere among them.
                    let seen = try await followed.value
                    #expect(seen.filter { $0.hasPrefix("live@") }.count == 1)
                    #expect(seen.filter { !$0.hasPrefix("live@") } == all.map { "\($0.stream.value):\(payloadText($0))" })
                    let stream = try await streamed.value
                    #expect(stream.count == 2 && stream[0].hasPrefix("live@") && stream[1] == "b-only:from b", "\(stream)")
                }
            }
        }
    }

    @Test("recent events read from memory lose their payload when another relay redacts one, and never serve it again")
    func redactionReachesTheOtherRelaysRecentEvents() async throws {
        try await withTestDatabase { server, database in
            try await withPostgresStore(server, database) { a in
                try await withPostgresStore(server, database) { b in
                    for n in 0..<5 { _ = try await a.append(to: "s", expectedVersion: .any, events: [proposed("secret \(n)")]) }
                    // B's followers read them (the second time from its recent events, not the database).
                    for _ in 0..<2 { #expect(try await b.readFollowing(from: 0, maxCount: 10).map(payloadText).count == 5) }
                    #expect(try await a.redact(position: 2))
                    var seen: [RecordedEvent] = []
                    for _ in 0..<100 {
                        seen = try await b.readFollowing(from: 0, maxCount: 10)
                        if seen.count == 5, seen[2].isRedacted { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(seen.count == 5 && seen[2].isRedacted && seen[2].payload.isEmpty, "B still serves the redacted payload")
                    #expect(seen.filter(\.isRedacted).count == 1)
                    // A redaction on B itself: at once, on B and (when heard) on A.
                    #expect(try await b.redact(position: 3))
                    #expect(try await b.readFollowing(from: 3, maxCount: 1).first?.isRedacted == true)
                    #expect(try await b.readFollowing(from: 0, maxCount: 10).map { payloadText($0) }.filter { $0.hasPrefix("secret") }.count == 3)
                }
            }
        }
    }

    @Test("a database whose schema is newer than this relay is refused at open, naming both versions")
    func newerSchemaRefused() async throws {
        try await withTestDatabase { server, database in
            try await withPostgresStore(server, database) { _ in }
            try await server.psql("UPDATE netreach_log SET schema_version = 99", database: database)
            do throws(EventLogError) {
                // The long deadline: on a loaded CI the default one passed first, and the answer was `unavailable`.
                let store = try await PostgresEventStore.open(configuration: server.configuration(database: database), timeout: .seconds(120),
                                                              logger: quietLogger)
                await store.close()
                Issue.record("a newer schema was accepted")
            } catch {
                #expect(error.code == .incompatibleSchema && error.message.contains("99"), "\(error)")
            }
        }
    }

    @Test("a database owned by another deployment is refused at open (otherOwner) and left as it was; a log without an owner is given one")
    func otherOwnerRefused() async throws {
        try await withTestDatabase { server, database in
            let ours = Array(repeating: UInt8(1), count: 32), theirs = Array(repeating: UInt8(2), count: 32)
            let first = try await PostgresEventStore.open(configuration: server.configuration(database: database), timeout: .seconds(120), owner: theirs, logger: quietLogger)
            _ = try await first.append(to: "s", expectedVersion: .any, events: [proposed("theirs")])
            await first.close()
            do throws(EventLogError) {
                let store = try await PostgresEventStore.open(configuration: server.configuration(database: database), timeout: .seconds(120), owner: ours,
                                                              logger: quietLogger)
                await store.close()
                Issue.record("another deployment's database was accepted")
            } catch {
                #expect(error.code == .otherOwner, "\(error)")
            }
            let owner = try await server.psql("SELECT encode(owner, 'hex') FROM netreach_log", database: database)
            #expect(owner.trimmingCharacters(in: .whitespacesAndNewlines) == String(repeating: "02", count: 32))
            // A tool that reads any log (log verify) names no owner and is not refused.
            let reader = try await PostgresEventStore.open(configuration: server.configuration(database: database), timeout: .seconds(120),
                                                           create: false, logger: quietLogger)
            #expect(try await reader.head().count == 1)
            await reader.close()
        }
    }

    @Test("a log of schema version 1 is migrated to 2 at open: its events stay, and it is given the opening relay's owner")
    func migratesVersion1() async throws {
        try await withTestDatabase { server, database in
            let written = proposed("written under version 1")
            try await withPostgresStore(server, database) { store in
                _ = try await store.append(to: "s", expectedVersion: .any, events: [written])
            }
            // The database as version 1 left it: no owner column.
            try await server.psql("ALTER TABLE netreach_log DROP COLUMN owner; UPDATE netreach_log SET schema_version = 1", database: database)
            let owner = Array(repeating: UInt8(7), count: 32)
            let store = try await PostgresEventStore.open(configuration: server.configuration(database: database), timeout: .seconds(120), owner: owner, logger: quietLogger)
            #expect(try await store.read(from: 0, maxCount: 10).map(\.id) == [written.id])
            _ = try await store.append(to: "s", expectedVersion: .exact(0), events: [proposed("written under version 2")])
            await store.close()
            let row = try await server.psql("SELECT schema_version, encode(owner, 'hex') FROM netreach_log", database: database)
            #expect(row.trimmingCharacters(in: .whitespacesAndNewlines) == "2|" + String(repeating: "07", count: 32), "\(row)")
        }
    }

    @Test("a database that cannot be reached is refused at open with unavailable, within the timeout")
    func unreachableAtOpen() async throws {
        let configuration = PostgresClient.Configuration(host: "127.0.0.1", port: 1, username: "netreach", password: nil,
                                                         database: "none", tls: .disable)
        let started = ContinuousClock.now
        do throws(EventLogError) {
            let store = try await PostgresEventStore.open(configuration: configuration, timeout: .seconds(2), logger: quietLogger)
            await store.close()
            Issue.record("an unreachable database was accepted")
        } catch {
            #expect(error.code == .unavailable, "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("reads cancelled mid-query (a visitor's connection closing) leave the store healthy: stoppedBecause stays nil")
    func cancelledReadsAreNotAnOutage() async throws {
        try await withTestDatabase { server, database in
            try await withPostgresStore(server, database) { store in
                for n in 0..<50 { _ = try await store.append(to: "s", expectedVersion: .any, events: [proposed("\(n)")]) }
                for _ in 0..<5 {
                    let reader = Task {
                        while !Task.isCancelled { _ = try? await store.read(from: 0, maxCount: 50) }
                    }
                    try await Task.sleep(for: .milliseconds(30))
                    reader.cancel()
                    await reader.value
                }
                #expect(store.stoppedBecause == nil, "\(String(describing: store.stoppedBecause))")
                #expect(try await store.read(from: 0, maxCount: 100).count == 50)
            }
        }
    }

    @Test("the database dies mid-run: appends answer unavailable and stoppedBecause says so; it comes back: the same event is stored once, nothing acknowledged is lost")
    func databaseLostMidRun() async throws {
        let server = try await TestDatabaseServer.start(durable: true, under: NSTemporaryDirectory())
        do {
            try await server.psql("CREATE DATABASE lost")
            // A long deadline while the database is up (a loaded machine is slow, not down), a short one while it is down.
            let store = try await PostgresEventStore.open(configuration: server.configuration(database: "lost"), timeout: .seconds(120),
                                                          logger: quietLogger)
            var acknowledged: [ProposedEvent] = []
            for n in 0..<5 {
                let event = proposed("before \(n)")
                _ = try await store.append(to: "s", expectedVersion: .any, events: [event])
                acknowledged.append(event)
            }
            store.timeout = .seconds(3)
            await server.crash()
            let refused = proposed("while the database is down")
            do throws(EventLogError) {
                _ = try await store.append(to: "s", expectedVersion: .any, events: [refused])
                Issue.record("an append was acknowledged with the database down")
            } catch {
                #expect(error.code == .unavailable, "\(error)")
            }
            #expect(store.stoppedBecause?.code == .unavailable)
            try await server.restart()
            store.timeout = .seconds(120)
            // The client sends the same event again; the store reconnects by itself.
            var stored: AppendResult?
            for _ in 0..<40 where stored == nil {
                stored = try? await store.append(to: "s", expectedVersion: .any, events: [refused])
                if stored == nil { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(stored?.firstPosition == 5, "\(String(describing: stored))")
            #expect(store.stoppedBecause == nil)
            acknowledged.append(refused)
            let all = try await store.read(from: 0, maxCount: 100)
            #expect(all.map(\.id) == acknowledged.map(\.id))
            #expect(chainReaches(try await store.head(), through: all))
            await store.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("the same log reopened: its id, head and events are as they were; appends go on at the next position")
    func reopen() async throws {
        try await withTestDatabase { server, database in
            let (id, head) = try await withPostgresStore(server, database) { store in
                for n in 0..<5 { _ = try await store.append(to: "s", expectedVersion: .any, events: [proposed("\(n)")]) }
                return (store.logID, try await store.head())
            }
            try await withPostgresStore(server, database) { store in
                #expect(store.logID == id && store.currentHead() == head)
                let appended = try await store.append(to: "s", expectedVersion: .exact(4), events: [proposed("5")])
                #expect(appended.firstPosition == 5)
            }
        }
    }
}
