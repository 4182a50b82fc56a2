import Foundation
public import PostgresNIO
#if canImport(Glibc)
import Glibc
#endif

/// For tests and campaigns only. A PostgreSQL primary with one synchronous standby on loopback
/// (../shared/recipes/operations.md), and the failover an operator makes when the primary's machine
/// dies: kill it, promote the standby, clear the setting that would make the new primary wait for a
/// standby it does not have, rebuild the old primary as the new one's standby, and make that
/// standby synchronous again. The two keep their ports, so a store address that lists both finds
/// the primary by asking.
public final class ReplicatedTestDatabase: @unchecked Sendable {
    /// Which of `servers` is the primary now (the other is its synchronous standby).
    public private(set) var primaryIndex = 0
    public let servers: [TestDatabaseServer]
    public var primary: TestDatabaseServer { servers[primaryIndex] }
    public var standby: TestDatabaseServer { servers[1 - primaryIndex] }
    public let database: String
    static let standbyName = "netreach_standby"

    private init(servers: [TestDatabaseServer], database: String) {
        self.servers = servers
        self.database = database
    }

    /// A primary with a database named `database`, and its synchronous standby, under `parent`.
    /// `durable` keeps fsync on (a drill of what a machine's death costs); without it, fsync is off.
    public static func start(durable: Bool, database: String = "netreach", under parent: String? = nil)
        async throws -> ReplicatedTestDatabase {
        let parent = parent ?? NSTemporaryDirectory()
        let primary = try await TestDatabaseServer.start(durable: durable, under: parent)
        do {
            try await primary.psql("CREATE DATABASE \(database)")
            let standby = try await TestDatabaseServer.standby(of: primary, named: standbyName, under: parent)
            let pair = ReplicatedTestDatabase(servers: [primary, standby], database: database)
            try await pair.makeStandbySynchronous()
            return pair
        } catch {
            await primary.stop()
            throw error
        }
    }

    /// The store address that lists both servers, primary first at the start.
    public var address: String {
        "postgresql://netreach@" + servers.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") + "/" + database
    }

    public var configurations: [PostgresClient.Configuration] {
        servers.map { $0.configuration(database: database) }
    }

    /// The primary dies (immediate shutdown, as `pg_ctl -m immediate`), the standby is promoted and
    /// takes the load at once, then the old primary is rebuilt as its synchronous standby.
    public func failOver() async throws {
        try await promoteStandby()
        try await rebuildStandby()
    }

    /// The primary dies and the standby is promoted: from here the new primary takes writes, with
    /// no standby of its own until `rebuildStandby`.
    public func promoteStandby() async throws {
        let old = primary, new = standby
        await old.end(signal: SIGQUIT)
        let promoted = try await new.psql("SELECT pg_promote(true, 60)")
        guard promoted.hasPrefix("t") else { throw TestDatabaseError("the standby was not promoted: \(promoted)") }
        // The trap: a promoted standby keeps its primary's synchronous_standby_names and would wait
        // for ever for a standby that is gone. Cleared before anything is asked to write.
        try await new.psql("ALTER SYSTEM SET synchronous_standby_names = ''")
        try await new.psql("SELECT pg_reload_conf()")
        primaryIndex = 1 - primaryIndex
    }

    /// The old primary comes back as a base backup of the new one (its own copy may hold commits
    /// that nobody was told of, which the new primary never had), and is made synchronous.
    public func rebuildStandby() async throws {
        let old = standby, new = primary
        for attempt in 0..<5 {
            try await old.follow(new, as: Self.standbyName)
            if old.pid != 0, kill(old.pid, 0) == 0 { break }
            guard attempt < 4 else { throw TestDatabaseError("the old primary did not start again as a standby") }
        }
        try await makeStandbySynchronous()
    }

    /// Names the standby in the primary's synchronous_standby_names and waits until it is in sync.
    func makeStandbySynchronous() async throws {
        try await primary.psql("ALTER SYSTEM SET synchronous_standby_names = '\(Self.standbyName)'")
        try await primary.psql("SELECT pg_reload_conf()")
        for _ in 0..<600 {
            let state = try await primary.psql("SELECT sync_state FROM pg_stat_replication WHERE application_name = '\(Self.standbyName)'")
            if state.trimmingCharacters(in: .whitespacesAndNewlines) == "sync" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestDatabaseError("the standby did not become synchronous within 60 s")
    }

    /// Stops both servers and removes their folders.
    public func stop() async {
        for server in servers { await server.stop() }
    }
}
