import EventLog
import EventLogPostgres
import PostgresTestSupport
import Foundation
import PostgresNIO
import Testing

/// A store whose address lists a primary and its standby: it finds the primary by asking, moves to
/// the promoted standby when the primary dies, and never to a database that lacks what it has seen.
@Suite("EventLog on PostgreSQL: a store address with several hosts, and failover to a synchronous standby")
struct FailoverTests {
    @Test("store addresses with several hosts are read in order; bad ones are refused with what is wrong")
    func addresses() throws {
        let two = try PostgresLocation(url: "postgresql://netreach@db1:5433,db2/netreach")
        #expect(two.hosts.map(\.description) == ["db1:5433", "db2:5432"])
        #expect(two.user == "netreach" && two.database == "netreach")
        #expect(two.description == "postgresql://netreach@db1:5433,db2:5432/netreach")
        #expect(two.configurations(password: nil).map(\.port) == [5433, 5432])
        let six = try PostgresLocation(url: "postgres://u@[::1]:6000,10.0.0.2:6001/d")
        #expect(six.hosts.map(\.description) == ["[::1]:6000", "10.0.0.2:6001"])
        let refused: [(String, String)] = [
            ("postgresql://netreach@db1,db1/netreach", "a host twice"),
            ("postgresql://netreach@db1,/netreach", "names no host"),
            ("postgresql://netreach@db1:0,db2/netreach", "outside 1…65535"),
            ("postgresql://netreach@db1:x/netreach", "no valid port"),
            ("postgresql://netreach:pw@db1,db2/netreach", "holds a password"),
            ("postgresql://db1,db2/netreach", "names no user"),
            ("postgresql://netreach@db1,db2/", "names no database"),
            ("postgresql://netreach@db1,db2/netreach?sslmode=require", "options"),
            ("postgresql://netreach@db 1/netreach", "is not a host name"),
            ("postgresql://netreach@" + (1...9).map { "h\($0)" }.joined(separator: ",") + "/d", "at most 8"),
        ]
        for (text, why) in refused {
            do throws(EventLogError) {
                _ = try PostgresLocation(url: text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.code == .invalidConfiguration)
                #expect(error.message.contains(why), "\(text): \(error.message)")
            }
        }
    }

    @Test("the primary dies: the store moves to the promoted standby by itself; every acknowledged event is there once, in order, with its chain")
    func failsOver() async throws {
        let pair = try await ReplicatedTestDatabase.start(durable: false, database: "failover")
        let streams = try ["s0", "s1", "s2"].map { try StreamName($0) }
        do throws(any Error) {
            // Listed standby first: the store must ask which one is the primary, not take the first.
            let store = try await PostgresEventStore.open(configurations: pair.configurations.reversed(), timeout: .seconds(120),
                                                          logger: quietLogger)
            #expect(store.hostInUse == 1)
            var acknowledged: [EventID] = []
            for n in 0..<20 {
                let event = proposed("before \(n)")
                _ = try await store.append(to: streams[n % 3], expectedVersion: .any, events: [event])
                acknowledged.append(event.id)
            }
            store.timeout = .seconds(3)
            try await pair.failOver()
            // What a relay's client does: send again until acknowledged (idempotent by event id).
            for n in 0..<20 {
                let event = proposed("after \(n)")
                var stored: AppendResult?
                for _ in 0..<120 where stored == nil {
                    stored = try? await store.append(to: streams[n % 3], expectedVersion: .any, events: [event])
                    if stored == nil { try await Task.sleep(for: .milliseconds(250)) }
                }
                #expect(stored != nil, "event \(n) after the failover was never stored")
                acknowledged.append(event.id)
            }
            #expect(store.hostInUse == 0, "the store should use the promoted standby, listed first here")
            #expect(store.stoppedBecause == nil)
            let all = try await store.read(from: 0, maxCount: 1_000)
            #expect(all.map(\.id) == acknowledged)
            #expect(all.map(\.position) == Array(0..<UInt64(all.count)))
            #expect(chainReaches(try await store.head(), through: all))
            // And again the other way: the rebuilt old primary is now the synchronous standby.
            try await pair.failOver()
            let last = proposed("after the second failover")
            var stored: AppendResult?
            for _ in 0..<120 where stored == nil {
                stored = try? await store.append(to: "s0", expectedVersion: .any, events: [last])
                if stored == nil { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(stored?.firstPosition == 40, "\(String(describing: stored))")
            #expect(store.hostInUse == 1)
            await store.close()
        } catch {
            await pair.stop()
            throw error
        }
        await pair.stop()
    }

    @Test("the host in use dies and the other host holds another log, or fewer events: the store does not move there, it answers unavailable until its own comes back")
    func refusesAnotherLog() async throws {
        let ours = try await TestDatabaseServer.start(durable: true, under: NSTemporaryDirectory())
        let other = try await TestDatabaseServer.start(durable: false, under: NSTemporaryDirectory())
        do {
            try await ours.psql("CREATE DATABASE n")
            try await other.psql("CREATE DATABASE n")
            // The other server holds a log of its own (another deployment's, or a stale copy).
            let foreign = try await PostgresEventStore.open(configuration: other.configuration(database: "n"), timeout: .seconds(120),
                                                            logger: quietLogger)
            _ = try await foreign.append(to: "s", expectedVersion: .any, events: [proposed("theirs")])
            await foreign.close()
            let store = try await PostgresEventStore.open(configurations: [ours.configuration(database: "n"), other.configuration(database: "n")],
                                                          timeout: .seconds(120), logger: quietLogger)
            #expect(store.hostInUse == 0)
            let mine = proposed("ours")
            _ = try await store.append(to: "s", expectedVersion: .any, events: [mine])
            store.timeout = .seconds(2)
            await ours.crash()
            for _ in 0..<4 {
                do throws(EventLogError) {
                    _ = try await store.append(to: "s", expectedVersion: .any, events: [proposed("while ours is down")])
                    Issue.record("an append was acknowledged with the log's database down")
                } catch {
                    #expect(error.code == .unavailable, "\(error)")
                }
                try await Task.sleep(for: .milliseconds(600))
            }
            #expect(store.hostInUse == 0, "the store moved to a database holding another log")
            try await ours.restart()
            store.timeout = .seconds(120)
            let again = proposed("ours, later")
            var stored: AppendResult?
            for _ in 0..<60 where stored == nil {
                stored = try? await store.append(to: "s", expectedVersion: .any, events: [again])
                if stored == nil { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(stored?.firstPosition == 1)
            #expect(try await store.read(from: 0, maxCount: 10).map(\.id) == [mine.id, again.id])
            await store.close()
            let theirs = try await other.psql("SELECT count(*) FROM netreach_events", database: "n")
            #expect(theirs.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "nothing of ours reached the other log")
        } catch {
            await ours.stop()
            await other.stop()
            throw error
        }
        await ours.stop()
        await other.stop()
    }
}
