import ArgumentParser
import ChildProcess
import Foundation
import Logging
import NetreachClient
import NetreachCommandLine
import NetreachCore
import PostgresTestSupport
import Sodium

/// `netreach-bench load`: thousands of visitors and staff chatting through one relay process at
/// realistic rates; what was delivered and lost, latency, the relay's memory and CPU, and `/health`.
struct LoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Visitors and staff chatting through a relay process at realistic rates: delivery, loss, latency, RSS, CPU, /health.",
        discussion: """
            A `netreach-relay serve` process (built next to this one) on a fresh demo deployment, with
            --pow-bits 8 and --opens-per-address-per-hour 0 because every client comes from 127.0.0.1, and the
            relay's default per-connection rate limits, which a person typing never meets. --staff of the
            --clients connections sign as the demo worker sam and follow the whole log; the others are visitors,
            each opening its own conversation, connecting in batches of 100. For --minutes each visitor writes at
            exponential intervals (mean --visitor-interval seconds), each message waiting for its acknowledgement;
            the staff connection assigned to the conversation (visitor number mod --staff) answers every message
            after 0.5–2 s. `/health` is polled once a second on its own connection throughout.

            With --store postgres the log is in a PostgreSQL 15 server the benchmark starts under --work-dir (fsync
            on), and with --relays 2 two relay processes serve one deployment on it: every visitor talks to the
            relay its staff member is not on, so each message crosses from one relay to the other through the
            database. CPU and memory are then the relays' summed, and /health polls each relay.

            Exits 1 if anything acknowledged was not delivered, a health check failed, an append was refused or
            left unanswered, a connection dropped or could not be set up, or anything arrived twice, out of order,
            in the wrong conversation or unreadable.

            Example:
              netreach-bench load --work-dir /var/tmp/netreach-load --clients 2000 --minutes 2 --json bench-results/load.json
              netreach-bench load --work-dir /var/tmp/netreach-load --store postgres --relays 2
            """
    )

    @Option(help: "Scratch directory (emptied first, removed after).") var workDir: String
    @Option(help: "WebSocket connections in all, staff and visitors.") var clients = 2000
    @Option(help: "How many of them are staff connections.") var staff = 20
    @Option(help: "Minutes of chat after the ramp-up (fractions allowed).") var minutes = 2.0
    @Option(help: "Mean seconds between one visitor's messages.") var visitorInterval = 10.0
    @Option(help: "Write the figures to this JSON file.") var json: String?
    @Option(help: "Where the log is: file (the data directory) or postgres (a PostgreSQL server the benchmark starts).")
    var store = "file"
    @Option(help: "Relay processes serving the deployment (more than one needs --store postgres).") var relays = 1

    /// Cheap enough for thousands of opens from one machine, and still checked by the relay.
    static let powBits = 8
    static let batchSize = 100
    /// How long one batch, or the staff, may take to connect, authenticate, open and subscribe.
    static let setupLimit = Duration.seconds(60)
    /// How long after the deadline the last messages, replies and deliveries may take.
    static let settleLimit = Duration.seconds(30)

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard staff >= 1, clients > staff else { throw ValidationError("--staff must be at least 1 and fewer than --clients") }
        guard minutes > 0, minutes <= 24 * 60, visitorInterval > 0 else {
            throw ValidationError("--minutes must be positive (at most a day) and --visitor-interval positive")
        }
        guard ["file", "postgres"].contains(store) else { throw ValidationError("--store is file or postgres") }
        guard (1...4).contains(relays), relays == 1 || store == "postgres" else {
            throw ValidationError("--relays is 1 to 4, and more than 1 needs --store postgres (relays share a database, not a data directory)")
        }
    }

    func run() async throws {
        raiseFileLimit()  // before the relay starts, which inherits it
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("load benchmark: \(clients) WebSocket clients on 127.0.0.1 for \(minutes) min: \(staff) staff connections (all as sam, "
            + "each following the whole log) and \(clients - staff) visitors, each in its own conversation")
        print("  a visitor message every \(visitorInterval) s on average per visitor (exponential), each answered after 0.5–2 s; "
            + "\(cores) cores shared by the relay and this bench")
        print("  relay: netreach-relay serve, --pow-bits \(Self.powBits) and --opens-per-address-per-hour 0 (all clients come from "
            + "127.0.0.1), default per-connection rate limits")
        #if DEBUG
        print("  (debug build: these figures only show that the benchmark works)")
        #endif

        let options = ["--pow-bits", String(Self.powBits), "--opens-per-address-per-hour", "0"]
        var database: TestDatabaseServer?
        var servers: [RelayChild] = []
        defer {
            for relay in servers { relay.stop() }
            database?.stopBlocking()
        }
        if store == "postgres" {
            _ = chmod(workDir, 0o755)  // the postgres user makes its cluster in here
            let server = try await TestDatabaseServer.start(durable: true, under: workDir)
            database = server
            try await server.psql("CREATE DATABASE netreach")
            try await RelayChild.makeDeployment(workDir + "/deployment")
            for _ in 0..<relays {
                servers.append(try await RelayChild.serve(deployment: workDir + "/deployment",
                                                          options: ["--store", "postgresql://netreach@127.0.0.1:\(server.port)/netreach"] + options))
            }
            print("  log: PostgreSQL 15 on 127.0.0.1 (fsync on), \(relays) relay process(es) on it")
        } else {
            servers.append(try await RelayChild.start(directory: workDir + "/deployment", options: options))
        }
        let relay = servers[0]
        let pids = servers.map(\.pid)
        let passphrase = try String(contentsOfFile: relay.deployment + "/private/demo.passphrase", encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        let sam = try StaffCredentials.load(home: try NetreachHome(path: relay.deployment + "/private/home-sam"), name: "sam",
                                            passphrase: SecureBytes(copying: Array(passphrase.utf8)))
        let logger = { var quiet = Logger(label: "load"); quiet.logLevel = .critical; return quiet }()
        let run = LoadRun(visitors: (0..<(clients - staff)).map(LoadVisitor.init(number:)), staffCount: staff,
                          staffKey: sam.signing.publicKey.bytes, keyring: try Keyring.load(directory: relay.deployment + "/Keys"),
                          powBits: Self.powBits, visitorInterval: visitorInterval, logger: logger)
        let staffClients = (0..<staff).map { LoadStaff(index: $0, signing: sam.signing) }

        let health = try HealthProbe(ports: servers.map(\.port))
        let probing = Task { await health.run() }
        // VmHWM also counts the memory-hard unlocking of the relay key at start-up, so the peak under
        // load is sampled instead.
        let relayPeakKiB = Shared(0.0)
        let sampling = Task {
            while !Task.isCancelled {
                let resident = ProcessSample(pids).residentKiB
                relayPeakKiB.update { $0 = max($0, resident) }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        let atStart = ProcessSample(pids)
        let phases: Phases
        do {
            phases = try await drive(run, staff: staffClients, relays: servers)
        } catch {
            probing.cancel()
            sampling.cancel()
            throw error
        }
        probing.cancel()
        sampling.cancel()
        await probing.value
        await sampling.value
        let afterClose = ProcessSample(pids)
        let stillRunning = servers.allSatisfy(\.process.isRunning)
        var termination: ChildProcess.Termination? = .exited(0)
        for server in servers {
            let ended = server.stop()
            if ended != .exited(0) { termination = ended }
        }

        let figures = LoadFigures(run: run, staff: staffClients, health: health.figures, phases: phases, atStart: atStart,
                                  afterClose: afterClose, relayPeakKiB: relayPeakKiB.value, minutes: minutes)
        figures.printTable()
        var problems = figures.problems
        if !stillRunning {
            problems.append("the relay ended (\(termination.map(String.init(describing:)) ?? "?")) before the run did: "
                + relay.process.errors.suffix(2000))
        } else if let termination {
            if termination != .exited(0) { problems.append("the relay ended with \(termination) after SIGTERM") }
        } else {
            problems.append("the relay did not stop within 30 s of SIGTERM")
        }
        if let json {
            try figures.write(to: json, parameters: [
                "clients": clients, "staff": staff, "visitors": clients - staff, "minutes": minutes,
                "visitor_interval_s": visitorInterval, "pow_bits": Self.powBits, "cores": cores, "store": store, "relays": relays,
            ])
            print("wrote \(json)")
        }
        if !problems.isEmpty {
            for problem in problems { printToStandardError("load: \(problem)") }
            throw ExitCode.failure
        }
    }

    /// What the run measured as it passed.
    struct Phases {
        var rampUpSeconds: Double
        var afterRampUp: ProcessSample
        /// The relay and this process at the start and at the end of the chat.
        var chatStart: (relay: ProcessSample, bench: ProcessSample)
        var chatEnd: (relay: ProcessSample, bench: ProcessSample)
        var settleSeconds: Double
        var clientsLeftOpen: Int
    }

    /// Ramp-up, chat, settle, stop: every client runs as a task of one group that ends when they all have.
    private func drive(_ run: LoadRun, staff: [LoadStaff], relays: [RelayChild]) async throws -> Phases {
        let urls = relays.map { "ws://127.0.0.1:\($0.port)/v1/ws" }
        let pids = relays.map(\.pid)
        // Staff member s on relay s mod N; a visitor's staff member is its number mod the staff count,
        // and the visitor goes to the next relay, so that with several relays every message crosses.
        func staffURL(_ index: Int) -> String { urls[index % urls.count] }
        func visitorURL(_ number: Int) -> String { urls[(number % staff.count + 1) % urls.count] }
        func stopRelays() { for relay in relays { relay.stop() } }
        let outcome = await withTaskGroup(of: Void.self, returning: Result<Phases, BenchError>.self) { group in
            // Staff first, as at the start of a shift; then visitors, each batch set up before the next connects.
            let rampStart = ContinuousClock.now
            for (index, member) in staff.enumerated() { group.addTask { await member.run(url: staffURL(index), in: run) } }
            var launched = 0
            var ready = await run.waitForArrivals(staff.count, timeout: Self.setupLimit)
            while ready && launched < run.visitors.count {
                let batch = run.visitors[launched..<min(launched + Self.batchSize, run.visitors.count)]
                for visitor in batch { group.addTask { await visitor.run(url: visitorURL(visitor.number), in: run) } }
                launched += batch.count
                ready = await run.waitForArrivals(staff.count + launched, timeout: Self.setupLimit)
            }
            guard ready else {
                // A connection that hangs ends only with the relay: stop it, so that every client task ends.
                await run.stop()
                stopRelays()
                return .failure(BenchError(
                    "the ramp-up stalled: \(run.counters.arrived) of \(staff.count + launched) clients set up after \(Self.setupLimit)"))
            }
            let rampUpSeconds = (ContinuousClock.now - rampStart).seconds
            let afterRampUp = ProcessSample(pids)
            printToStandardError("load: \(clients) clients set up in \(String(format: "%.1f", rampUpSeconds)) s; chatting for \(minutes) min")

            let chatStart = (relay: ProcessSample(pids), bench: ProcessSample())
            let deadline = await run.begin(for: .seconds(minutes * 60))
            try? await Task.sleep(until: deadline, clock: .continuous)
            let chatEnd = (relay: ProcessSample(pids), bench: ProcessSample())

            let settleStart = ContinuousClock.now
            while !run.isSettled && ContinuousClock.now - settleStart < Self.settleLimit {
                try? await Task.sleep(for: .milliseconds(100))
            }
            let settleSeconds = (ContinuousClock.now - settleStart).seconds

            // Every client closes its own connection; one still open after the limit is counted and
            // ended by the relay's shutdown.
            await run.stop()
            let closeStart = ContinuousClock.now
            while run.counters.clientsEnded < clients && ContinuousClock.now - closeStart < Self.settleLimit {
                try? await Task.sleep(for: .milliseconds(50))
            }
            let clientsLeftOpen = clients - run.counters.clientsEnded
            if clientsLeftOpen > 0 { stopRelays() }
            return .success(Phases(rampUpSeconds: rampUpSeconds, afterRampUp: afterRampUp, chatStart: chatStart, chatEnd: chatEnd,
                                   settleSeconds: settleSeconds, clientsLeftOpen: clientsLeftOpen))
        }
        return try outcome.get()
    }
}
