import ChildProcess
import Foundation

/// A `netreach-relay serve` process on a fresh demo deployment, started as an operator starts one,
/// so that its memory and CPU time are the relay's alone and not the clients'.
struct RelayChild {
    let process: ChildProcess
    let port: Int
    /// The demo deployment: `Keys/`, `data/`, `private/` with the demo passphrase and staff homes.
    let deployment: String

    var pid: Int32 { process.pid }

    /// Makes a demo deployment in `directory` (which must not exist) and serves it on a free port of
    /// 127.0.0.1, with `options` added to `serve`'s own.
    static func start(directory: String, options: [String]) async throws -> RelayChild {
        try await makeDeployment(directory)
        return try await serve(deployment: directory, options: ["--data-dir", directory + "/data"] + options)
    }

    static func relayBinary() throws -> String {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let relayBinary = bin.appendingPathComponent("netreach-relay").path
        guard FileManager.default.isExecutableFile(atPath: relayBinary) else {
            throw BenchError("build netreach-relay next to netreach-bench first (swift build -c release --product netreach-relay)")
        }
        return relayBinary
    }

    /// A demo deployment in `directory`, which must not exist.
    static func makeDeployment(_ directory: String) async throws {
        let made = try await ChildProcess.run(try relayBinary(), ["demo-deployment", "--dir", directory], timeout: .seconds(120))
        guard made.status == 0 else { throw BenchError("netreach-relay demo-deployment failed: \(made.errors)") }
    }

    /// Serves the demo deployment on a free port of 127.0.0.1; `options` say where the log is
    /// (`--data-dir` or `--store`) and anything else.
    static func serve(deployment directory: String, options: [String]) async throws -> RelayChild {
        let process = try ChildProcess(try relayBinary(), [
            "serve", "--keys", directory + "/Keys",
            "--relay-key", directory + "/private/relay.key", "--passphrase-file", directory + "/private/demo.passphrase",
            "--port", "0", "--log-level", "error",
        ] + options)
        guard let text = await process.waitForOutputLine(containing: "127.0.0.1:", timeout: .seconds(60)),
              let range = text.range(of: "127.0.0.1:"), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.send(SIGTERM)
            process.waitBlocking(timeout: .seconds(30))
            throw BenchError("the relay did not say its port: \(process.output) \(process.errors)")
        }
        return RelayChild(process: process, port: port, deployment: directory)
    }

    /// Sends SIGTERM (unless the relay has ended already) and waits for its graceful shutdown;
    /// nil if it did not end within `timeout`.
    @discardableResult
    func stop(timeout: Duration = .seconds(30)) -> ChildProcess.Termination? {
        process.send(SIGTERM)
        return process.waitBlocking(timeout: timeout)
    }
}

/// A process's memory and CPU time at one moment, from /proc (Linux).
struct ProcessSample {
    /// Resident memory now (VmRSS) and its peak since the process started (VmHWM), KiB.
    let residentKiB: Double
    let peakResidentKiB: Double
    /// User plus system CPU time since the process started, seconds.
    let cpuSeconds: Double
    let taken: ContinuousClock.Instant

    /// Samples process `pid`, or this process when nil; zeros for what /proc does not say.
    init(_ pid: Int32? = nil) {
        taken = .now
        let directory = "/proc/" + (pid.map(String.init) ?? "self")
        let status = (try? String(contentsOfFile: directory + "/status", encoding: .utf8)) ?? ""
        func kib(_ field: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
            return Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        residentKiB = kib("VmRSS:")
        peakResidentKiB = kib("VmHWM:")
        // Fields 14 and 15 of stat are utime and stime in clock ticks; the command name (field 2) is in
        // parentheses and may hold spaces, so fields are counted from the last ')'.
        let stat = (try? String(contentsOfFile: directory + "/stat", encoding: .utf8)) ?? ""
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
            cpuSeconds = (user + system) / ticksPerSecond
        } else {
            cpuSeconds = 0
        }
    }

    /// Several processes as one (two relays): memory and CPU time summed; taken at the first's time.
    init(summing samples: [ProcessSample]) {
        taken = samples.first?.taken ?? .now
        residentKiB = samples.reduce(0) { $0 + $1.residentKiB }
        peakResidentKiB = samples.reduce(0) { $0 + $1.peakResidentKiB }
        cpuSeconds = samples.reduce(0) { $0 + $1.cpuSeconds }
    }

    init(_ pids: [Int32]) { self.init(summing: pids.map { ProcessSample($0) }) }

    /// Cores used on average between `earlier` and this sample.
    func coresUsed(since earlier: ProcessSample) -> Double {
        let wall = (taken - earlier.taken).seconds
        return wall > 0 ? (cpuSeconds - earlier.cpuSeconds) / wall : 0
    }
}
