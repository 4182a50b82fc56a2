#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Foundation
import Synchronization

/// A child process for the project's tests, soak and benchmarks, which must never hang on one.
///
/// Foundation's `Process` learns of a child's exit from a SIGCHLD handler, and on Linux it can miss
/// one: the child stays a zombie, `isRunning` stays true and `waitUntilExit` never returns (a whole
/// CI run hung on a finished `tmux` client that way). This type asks the kernel directly instead,
/// with `waitpid(pid, WNOHANG)`, polled, so waiting never holds a thread and always has a deadline.
///
/// - The child's standard output and error go to files (a pipe nobody drains would block it), and
///   its standard input is /dev/null.
/// - It gets no descriptor of ours but those three: a log's lock, a listening socket or a pipe end
///   held by a long-lived child would otherwise outlive the test that opened it.
/// - It runs in a process group of its own, so a deadline or `deinit` ends it with its children.
/// - Its signal mask is empty and the common signals are at their defaults, whatever the spawning
///   thread had blocked or ignored (SwiftNIO ignores SIGPIPE, for one).
public final class ChildProcess: Sendable {
    /// How a child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or 128 + the signal's number as a shell reports it.
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            }
        }

        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    /// What a finished child printed, and how it ended.
    public struct Outcome: Sendable {
        public let termination: Termination
        public let output: String
        public let errors: String
        /// Whether the deadline passed and the child was killed.
        public let timedOut: Bool
        public var status: Int32 { termination.status }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public let pid: pid_t
    public let executable: String
    /// Where the child's standard output and standard error are written (the same file when merged).
    public let outputPath: String
    public let errorPath: String
    private let files: [String]
    private let ended = Mutex<Termination?>(nil)

    /// Starts `executable` (a path) with `arguments`; `environment` is added to this process's own.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                mergingErrorsIntoOutput merge: Bool = false) throws {
        let base = NSTemporaryDirectory() + "netreach-child-" + UUID().uuidString
        let outputPath = base + ".out"
        let errorPath = merge ? outputPath : base + ".err"
        self.executable = executable
        self.outputPath = outputPath
        self.errorPath = errorPath
        files = merge ? [outputPath] : [outputPath, errorPath]
        pid = try Self.spawn(executable, arguments, environment: environment, output: outputPath, errors: errorPath, merge: merge)
    }

    deinit {
        if ended.withLock({ $0 }) == nil {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            _ = waitBlocking(timeout: .seconds(5))
        }
        for file in files { unlink(file) }
    }

    /// Runs a child to its end or to `timeout`, whichever is first, without holding a thread while it runs.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           mergingErrorsIntoOutput merge: Bool = false, timeout: Duration) async throws -> Outcome {
        let child = try ChildProcess(executable, arguments, environment: environment, mergingErrorsIntoOutput: merge)
        return await child.finish(timeout: timeout)
    }

    /// Waits up to `timeout` for the child to end, kills its group if it has not, and collects what it printed.
    public func finish(timeout: Duration) async -> Outcome {
        var termination = await wait(timeout: timeout)
        let timedOut = termination == nil
        if termination == nil {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            termination = await wait(timeout: .seconds(10))
        }
        return Outcome(termination: termination ?? .signalled(SIGKILL), output: output, errors: errors, timedOut: timedOut)
    }

    /// How the child ended, or nil while it runs. Reaps it the first time it is seen ended.
    public var termination: Termination? {
        ended.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                ended = Self.decode(status)
            } else if result < 0 && errno == ECHILD {
                ended = .signalled(0)  // not ours to wait for any more; should not happen
            }
            return ended
        }
    }

    public var isRunning: Bool { termination == nil }

    /// Waits for the child to end, polling, for at most `timeout`; nil if it is still running then.
    @discardableResult
    public func wait(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(2)
        while true {
            if let termination { return termination }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: min(pause, deadline - .now))
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// As `wait(timeout:)`, for code that is not async (a soak's loop, a `defer`); it holds the calling thread.
    @discardableResult
    public func waitBlocking(timeout: Duration) -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let termination { return termination }
            if ContinuousClock.now >= deadline { return nil }
            usleep(2_000)
        }
    }

    /// Sends `signal` to the child alone (not its group), unless it has already ended.
    public func send(_ signal: Int32) {
        ended.withLock { ended in
            // Checked under the lock that reaping takes: an ended child's number may belong to another process.
            if ended == nil { kill(pid, signal) }
        }
    }

    /// Sends SIGKILL to the child's whole group and waits for the child to end.
    public func killGroup() async {
        ended.withLock { ended in
            if ended == nil { kill(-pid, SIGKILL) }
        }
        await wait(timeout: .seconds(10))
    }

    /// What the child has written to its standard output so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    /// What the child has written to its standard error so far (its output too, when merged).
    public var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// The child's output once it holds a line containing `text`: nil if the child ends first or `timeout` passes.
    public func waitForOutputLine(containing text: String, timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = output
            if let line = now.split(separator: "\n", omittingEmptySubsequences: false).dropLast().first(where: { $0.contains(text) }) {
                return String(line)
            }
            if !isRunning {
                let last = output
                return last.split(separator: "\n").first(where: { $0.contains(text) }).map(String.init)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    private static func decode(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                              output: String, errors: String, merge: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        let flags = O_WRONLY | O_CREAT | O_TRUNC
        var failed = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        failed |= posix_spawn_file_actions_addopen(&actions, 1, output, flags, 0o600)
        failed |= merge ? posix_spawn_file_actions_adddup2(&actions, 1, 2)
                        : posix_spawn_file_actions_addopen(&actions, 2, errors, flags, 0o600)
        failed |= closeEverythingElse(&actions)
        guard failed == 0 else { throw Failure("cannot prepare to start \(executable)") }

        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Adds "close every descriptor from 3 up" to `actions`: glibc's `addclosefrom_np` where it
    /// exists (looked up at run time: Swift's Glibc module does not declare it), else one close per
    /// descriptor open now.
    private static func closeEverythingElse(_ actions: inout posix_spawn_file_actions_t) -> Int32 {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = closeFrom {
            let function = unsafeBitCast(symbol, to: CloseFrom.self)
            return withUnsafeMutablePointer(to: &actions) { function($0, 3) }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var failed: Int32 = 0
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
            failed |= posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        return failed
    }

    private nonisolated(unsafe) static let closeFrom: UnsafeMutableRawPointer? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
}
