import ChildProcess
import EventLog
public import EventLogPostgres
import Foundation
public import Logging
public import PostgresNIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// For tests and benchmarks only (no shipped product uses this target). A PostgreSQL 15 server of
/// the process's own: a new cluster in a folder owned by the `postgres` user (the server refuses to
/// run as root), listening on 127.0.0.1 only, stopped by its PID. Tests share one (`running()`) and
/// each takes a database of its own on it.
public final class TestDatabaseServer: Sendable {
    static let binaries = "/usr/lib/postgresql/15/bin"
    public let directory: String
    public let port: Int
    let durable: Bool
    private let currentPID: Mutex<pid_t>
    /// The server's process now (another after `restart`).
    public var pid: pid_t { currentPID.withLock { $0 } }

    private init(directory: String, port: Int, pid: pid_t, durable: Bool) {
        self.directory = directory
        self.port = port
        self.durable = durable
        currentPID = Mutex(pid)
    }

    private static let shared = Mutex<Task<TestDatabaseServer, any Error>?>(nil)

    /// The process's server for tests (fsync off), started by the first test that asks and stopped
    /// when the process exits.
    public static func running() async throws -> TestDatabaseServer {
        let task = shared.withLock { task in
            if let task { return task }
            let started = Task {
                let server = try await start(durable: false, under: NSTemporaryDirectory())
                stopAtExit(pid: server.pid, directory: server.directory)
                return server
            }
            task = started
            return started
        }
        return try await task.value
    }

    /// Stops a server started with `start` (immediate shutdown) and removes its folder.
    public func stop() async {
        await end(signal: SIGQUIT)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `stop` for a `defer`: the same immediate shutdown, waited for without `await`.
    public func stopBlocking() {
        let pid = self.pid
        kill(pid, SIGQUIT)
        let server = TestDatabaseServer.keep.withLock { kept in kept.first { $0.pid == pid } }
        server?.waitBlocking(timeout: .seconds(30))
        TestDatabaseServer.keep.withLock { $0.removeAll { $0.pid == pid } }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills the server at once, as a machine dying takes it (SIGKILL), and keeps its folder for `restart`.
    /// The whole process group dies together, backends too: a backend outliving its postmaster for
    /// a moment could still commit, and a test would see an append acknowledged after the "crash".
    public func crash() async {
        kill(-pid, SIGKILL)
        await end(signal: SIGKILL)
    }

    func end(signal: Int32) async {
        let pid = self.pid
        kill(pid, signal)
        let server = TestDatabaseServer.keep.withLock { kept in kept.first { $0.pid == pid } }
        _ = await server?.wait(timeout: .seconds(30))
        TestDatabaseServer.keep.withLock { $0.removeAll { $0.pid == pid } }
    }

    /// Starts the server again on its folder and port (after `crash`).
    public func restart() async throws {
        var failures: [String] = []
        for _ in 0..<20 {
            let server = try TestDatabaseServer.launch(directory: directory, port: port, durable: durable)
            if await server.waitForOutputLine(containing: "ready to accept connections", timeout: .seconds(60)) != nil {
                TestDatabaseServer.keep.withLock { $0.append(server) }
                currentPID.withLock { $0 = server.pid }
                return
            }
            failures.append(server.output.suffix(300).description)
            _ = await server.wait(timeout: .seconds(10))
            try await Task.sleep(for: .milliseconds(500))
        }
        throw TestDatabaseError("PostgreSQL did not start again: \(failures.suffix(2))")
    }

    private static func launch(directory: String, port: Int, durable: Bool) throws -> ChildProcess {
        let (postgres, arguments) = asPostgres(binaries + "/postgres", [
            "-D", directory + "/data", "-p", String(port), "-k", directory, "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=200",
        ] + (durable ? [] : ["-c", "fsync=off"]))
        return try ChildProcess(postgres, arguments, mergingErrorsIntoOutput: true)
    }

    /// Runs a command as the `postgres` user (setpriv execs it, so a PID is the program's own).
    static func asPostgres(_ program: String, _ arguments: [String]) -> (String, [String]) {
        ("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program] + arguments)
    }

    /// A new cluster under `parent`, started on a free loopback port. `durable` keeps PostgreSQL's
    /// defaults (fsync and synchronous commit on: what a benchmark measures); without it fsync is
    /// off, for tests that check what the store does rather than the disk.
    public static func start(durable: Bool, under parent: String) async throws -> TestDatabaseServer {
        guard FileManager.default.isExecutableFile(atPath: binaries + "/postgres") else {
            throw TestDatabaseError("PostgreSQL 15 is not installed (ops/install installs Debian's postgresql-15)")
        }
        let directory = try await makeDirectory(under: parent)
        let (initdb, initArguments) = asPostgres(binaries + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "netreach",
                                                                         "--no-sync", "--no-instructions"])
        let made = try await ChildProcess.run(initdb, initArguments, environment: ["HOME": directory], mergingErrorsIntoOutput: true,
                                              timeout: .seconds(120))
        guard made.status == 0 else { throw TestDatabaseError("initdb failed: \(made.output)") }
        var failures: [String] = []
        for _ in 0..<10 {
            let port = Int.random(in: 20_000..<32_000)
            let server = try launch(directory: directory, port: port, durable: durable)
            if await server.waitForOutputLine(containing: "ready to accept connections", timeout: .seconds(60)) != nil {
                let started = TestDatabaseServer(directory: directory, port: port, pid: server.pid, durable: durable)
                // The ChildProcess object would kill the server when freed: keep it for the life of the process.
                keep.withLock { $0.append(server) }
                return started
            }
            failures.append(server.output.suffix(300).description)
            server.send(SIGKILL)
            _ = await server.wait(timeout: .seconds(10))
        }
        throw TestDatabaseError("PostgreSQL did not start: \(failures.suffix(2))")
    }

    static let keep = Mutex<[ChildProcess]>([])

    /// Runs a PostgreSQL tool as the `postgres` user; throws with its output when it fails.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let (program, all) = asPostgres(binaries + "/" + name, arguments)
        let outcome = try await ChildProcess.run(program, all, environment: ["HOME": "/tmp"], mergingErrorsIntoOutput: true, timeout: timeout)
        guard outcome.status == 0 else { throw TestDatabaseError("\(name) failed: \(outcome.output.suffix(600))") }
        return outcome.output
    }

    /// A folder under `parent` that the `postgres` user owns.
    static func makeDirectory(under parent: String) async throws -> String {
        let directory = parent + (parent.hasSuffix("/") ? "" : "/") + "netreach-pg-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let chown = try await ChildProcess.run("/bin/chown", ["postgres:postgres", directory], timeout: .seconds(30))
        guard chown.status == 0 else { throw TestDatabaseError("chown: \(chown.errors)") }
        return directory
    }

    /// A standby of `primary` under `parent`: a base backup of it, streaming from it as `name`
    /// (what the primary's `synchronous_standby_names` lists), started on a free port.
    static func standby(of primary: TestDatabaseServer, named name: String, under parent: String) async throws -> TestDatabaseServer {
        let directory = try await makeDirectory(under: parent)
        for _ in 0..<10 {
            let port = Int.random(in: 20_000..<32_000)
            let server = TestDatabaseServer(directory: directory, port: port, pid: 0, durable: primary.durable)
            try await server.follow(primary, as: name)
            if server.pid != 0 { return server }
        }
        throw TestDatabaseError("a standby did not start")
    }

    /// Replaces this server's data with a base backup of `primary` and starts it as `name`, its
    /// standby (a failed primary rejoins this way: its own copy may hold commits that nobody was told
    /// of, which the new primary never had).
    func follow(_ primary: TestDatabaseServer, as name: String) async throws {
        try? FileManager.default.removeItem(atPath: directory + "/data")
        try await TestDatabaseServer.tool("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "netreach", "-D",
                                                            directory + "/data", "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        let settings = directory + "/data/postgresql.auto.conf"
        let line = "primary_conninfo = 'host=127.0.0.1 port=\(primary.port) user=netreach application_name=\(name)'\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: settings))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let server = try TestDatabaseServer.launch(directory: directory, port: port, durable: durable)
        guard await server.waitForOutputLine(containing: "ready to accept", timeout: .seconds(60)) != nil else {
            server.send(SIGKILL)
            _ = await server.wait(timeout: .seconds(10))
            return  // the port may be taken: the caller tries another
        }
        TestDatabaseServer.keep.withLock { $0.append(server) }
        currentPID.withLock { $0 = server.pid }
    }

    private static func stopAtExit(pid: pid_t, directory: String) {
        atExit.withLock { $0 = (pid, directory) }
        atexit {
            guard let (pid, directory) = TestDatabaseServer.atExit.withLock({ $0 }) else { return }
            kill(pid, SIGQUIT)  // immediate shutdown: nothing of a test database is kept
            var status: Int32 = 0
            for _ in 0..<200 where waitpid(pid, &status, WNOHANG) == 0 { usleep(10_000) }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private static let atExit = Mutex<(pid_t, String)?>(nil)

    public func configuration(database: String) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: "127.0.0.1", port: port, username: "netreach", password: nil,
                                                         database: database, tls: .disable)
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// Runs SQL with psql on the `postgres` database; returns what it printed.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        let outcome = try await ChildProcess.run(TestDatabaseServer.binaries + "/psql",
                                                 ["-h", "127.0.0.1", "-p", String(port), "-U", "netreach", "-d", database, "-v",
                                                  "ON_ERROR_STOP=1", "-Atc", sql],
                                                 mergingErrorsIntoOutput: true, timeout: .seconds(60))
        guard outcome.status == 0 else { throw TestDatabaseError("psql \(sql): \(outcome.output)") }
        return outcome.output
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

public let quietLogger = { var logger = Logger(label: "pg-test"); logger.logLevel = .critical; return logger }()

/// Runs `body` with a new, empty database on the test server, then drops it.
public func withTestDatabase<Result>(_ body: (TestDatabaseServer, String) async throws -> Result) async throws -> Result {
    let server = try await TestDatabaseServer.running()
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    try await server.psql("CREATE DATABASE \(name)")
    do {
        let result = try await body(server, name)
        _ = try? await server.psql("DROP DATABASE \(name) WITH (FORCE)")
        return result
    } catch {
        _ = try? await server.psql("DROP DATABASE \(name) WITH (FORCE)")
        throw error
    }
}

/// Opens a PostgreSQL store on `database`, runs `body`, and always closes it.
public func withPostgresStore<Result>(_ server: TestDatabaseServer, _ database: String,
                               _ body: (PostgresEventStore) async throws -> Result) async throws -> Result {
    // A deadline for a database that does not answer, not for a slow one: the whole suite on two cores
    // (browsers, 2 000-connection relays on the same event loops as this client) once kept a
    // transaction of the 64-appender test waiting longer than the relay's 15 s.
    let store = try await PostgresEventStore.open(configuration: server.configuration(database: database), timeout: .seconds(120),
                                                  logger: quietLogger)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
