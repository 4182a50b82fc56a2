import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium
#if canImport(Glibc)
import Glibc
#endif

/// `netreach unlock [--for 8h]`: the passphrase once per shift (docs/CLI.md, "Unlock").
struct UnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Unlock your key once for a shift; commands then use it without asking for the passphrase.",
        discussion: """
            Starts a small agent that holds your decrypted keys in locked memory and gives them only to netreach \
            commands you run yourself, through a socket in your netreach folder (mode 0600). It ends, and the keys are \
            wiped, when its time runs out, when you run 'netreach lock', or when the login session you unlocked in \
            ends. Nothing is written to disk. A --passphrase-file or NETREACH_PASSPHRASE given to a command is used \
            instead of the agent. Unlocking again replaces the agent that runs.

            Example:
              netreach unlock --for 8h
            """
    )

    @Option(name: .customLong("for"), help: "How long the key stays unlocked: 8h, 90m, 45s (at most 24h).")
    var duration = "8h"
    @OptionGroup var passphrase: PassphraseOptions

    /// Seconds in "8h", "90m", "45s", or nil.
    static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0 else { return nil }
        let seconds: Int
        switch unit {
        case "h": seconds = count * 3600
        case "m": seconds = count * 60
        case "s": seconds = count
        default: return nil
        }
        return seconds <= 24 * 3600 ? seconds : nil
    }

    func validate() throws {
        guard Self.seconds(duration) != nil else { throw ValidationError("--for is a duration such as 8h, 90m or 45s, at most 24h") }
    }

    func run() async throws {
        try await failing("unlock") {
            let home = try netreachHome()
            let settings = try ClientSettings.load(home: home)
            let seconds = Self.seconds(duration) ?? 0
            let secret = try passphrase.obtain(prompt: "Passphrase for \(settings.name): ")
            let credentials = try StaffCredentials.load(home: home, name: settings.name, passphrase: secret)
            if KeyAgent.lock(home: home) { print("the agent that was running is replaced") }
            // The login session to outlive no longer than: its leader, while it is there to watch.
            let session = getsid(0)
            let watched = session > 0 && kill(session, 0) == 0 ? session : nil
            try Self.startAgent(home: home, credentials: credentials, seconds: seconds, session: watched)
            let until = Date().addingTimeInterval(Double(seconds))
            let formatter = DateFormatter()
            formatter.dateFormat = "HH:mm"
            print("unlocked: \(credentials.name.text)'s key is available to netreach commands until \(formatter.string(from: until))"
                  + (watched == nil ? "" : " or the end of this login session") + "; 'netreach lock' ends it sooner")
        }
    }

    /// Starts `netreach agent` in the background and hands it the keys through a pipe; returns once it listens.
    static func startAgent(home: NetreachHome, credentials: StaffCredentials, seconds: Int, session: Int32?) throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["agent", "--seconds", String(seconds)] + (session.map { ["--session", String($0)] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment["NETREACH_HOME"] = home.path
        environment.removeValue(forKey: "NETREACH_PASSPHRASE")
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let secrets = credentials.secrets
        let written = secrets.withByteInput { bytes in write(input.fileHandleForWriting.fileDescriptor, bytes.baseAddress!, bytes.count) }
        try? input.fileHandleForWriting.close()
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(output.fileHandleForReading.fileDescriptor, &byte, 1) == 1, byte != 0x0A, line.count < 512 { line.append(byte) }
        let answer = String(decoding: line, as: UTF8.self)
        guard written == KeyAgent.secretCount, answer == "ready" else {
            if process.isRunning { process.terminate() }
            throw CommandFailure("the agent did not start: \(answer.isEmpty ? "it ended at once" : answer)")
        }
    }
}

/// `netreach lock`: ends the agent that `unlock` started.
struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "End the unlock agent now: its keys are wiped and commands ask for the passphrase again.",
        discussion: """
            Example:
              netreach lock
            """
    )

    func run() async throws {
        try await failing("lock") {
            let home = try netreachHome()
            print(KeyAgent.lock(home: home) ? "locked: the agent has ended and its keys are wiped" : "nothing to lock: no agent was running")
        }
    }
}

/// `netreach agent`: the agent itself, started by `unlock` (not for people to run).
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "The unlock agent (started by netreach unlock).",
                                                    shouldDisplay: false)

    @Option var seconds: Int
    @Option var session: Int32?

    func run() throws {
        // Its own session: the terminal's Ctrl-C and hang-up do not reach it; it watches the login session itself.
        _ = setsid()
        signal(SIGHUP, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        func say(_ line: String) {
            var bytes = Array((line + "\n").utf8)
            _ = write(1, &bytes, bytes.count)
        }
        do {
            let home = try NetreachHome(environment: ProcessInfo.processInfo.environment)
            let name = try StaffName(try ClientSettings.load(home: home).name)
            let secret = try SecureBytes(count: KeyAgent.secretCount) { (buffer: UnsafeMutableRawBufferPointer) throws(KeyAgent.Error) in
                var offset = 0
                while offset < buffer.count {
                    let count = read(0, buffer.baseAddress! + offset, buffer.count - offset)
                    guard count > 0 else { throw KeyAgent.Error(description: "the keys did not arrive whole") }
                    offset += count
                }
            }
            let nothing = open("/dev/null", O_RDWR)
            _ = try KeyAgent.serve(home: home, name: name, secret: secret, deadline: Date().addingTimeInterval(Double(seconds)),
                                   session: session) {
                say("ready")
                // Nobody reads from or writes to it after this: its standard streams go nowhere.
                dup2(nothing, 0)
                dup2(nothing, 1)
            }
        } catch {
            say("\(error)")
            throw ExitCode.failure
        }
    }
}
