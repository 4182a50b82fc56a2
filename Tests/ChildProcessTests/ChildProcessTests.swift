import ChildProcess
import Foundation
import Testing

@Suite("ChildProcess: children that are always waited for, with a deadline")
struct ChildProcessTests {
    @Test("exit status, standard output and standard error are kept apart, or merged when asked")
    func statusAndOutput() async throws {
        let apart = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(30))
        #expect(apart.termination == .exited(3))
        #expect(apart.status == 3)
        #expect(apart.output == "out\n")
        #expect(apart.errors == "err\n")
        #expect(!apart.timedOut)

        let merged = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2"], mergingErrorsIntoOutput: true, timeout: .seconds(30))
        #expect(merged.status == 0)
        #expect(merged.output == "out\nerr\n")
    }

    @Test("the environment given is added to this process's own")
    func environment() async throws {
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", "echo \"$NETREACH_CHILD_TEST:${PATH:+has-path}\""],
                                                 environment: ["NETREACH_CHILD_TEST": "given"], timeout: .seconds(30))
        #expect(outcome.output == "given:has-path\n")
    }

    @Test("a child still running at its deadline is killed with its own children, and says so")
    func deadline() async throws {
        // The shell starts a grandchild that would outlive it and says its pid; the group kill must end both.
        let pidFile = NSTemporaryDirectory() + "netreach-child-grandchild-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let child = try ChildProcess("/bin/sh", ["-c", "sleep 60 & echo $! > \(pidFile); sleep 60"])
        var grandchild: pid_t?
        let started = ContinuousClock.now + .seconds(30)
        while grandchild == nil, ContinuousClock.now < started {
            grandchild = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try await Task.sleep(for: .milliseconds(20))
        }
        let pid = try #require(grandchild, "the shell never started its grandchild")
        let outcome = await child.finish(timeout: .milliseconds(100))
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signalled(SIGKILL))
        // Gone means no such process, or a zombie waiting for whoever adopted it.
        let gone = ContinuousClock.now + .seconds(30)
        while Self.isAlive(pid), ContinuousClock.now < gone { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!Self.isAlive(pid), "the grandchild \(pid) outlived the group kill")
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    @Test("a child gets no descriptor of ours beyond its three standard ones")
    func noInheritedDescriptors() async throws {
        // Open a descriptor without close-on-exec, as a log's lock or a socket might be.
        let path = NSTemporaryDirectory() + "netreach-child-fd-" + UUID().uuidString
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        #expect(fd > 2)
        defer { close(fd); unlink(path) }
        // The shell reads /proc/self/fd through a glob in its own process: only 0, 1, 2 (and the
        // directory it is reading, which the glob has closed by the time it prints) remain.
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", "cd /proc/self/fd && echo *"], timeout: .seconds(30))
        let descriptors = outcome.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        #expect(descriptors.contains(0) && descriptors.contains(1) && descriptors.contains(2))
        #expect(!descriptors.contains(Int(fd)), "descriptor \(fd) leaked into the child: \(descriptors)")
    }

    @Test("signals reach the child at their defaults, whatever this process ignores")
    func signals() async throws {
        signal(SIGPIPE, SIG_IGN)  // as SwiftNIO does in every process that uses it
        let child = try ChildProcess("/bin/sh", ["-c", "sleep 60"])
        #expect(child.isRunning)
        child.send(SIGTERM)
        let ended = await child.wait(timeout: .seconds(30))
        #expect(ended == .signalled(SIGTERM))
        #expect(ended?.status == 128 + SIGTERM)
        // Once it has ended, signalling it again does nothing (its number may be another process's by now).
        child.send(SIGKILL)
        #expect(child.termination == .signalled(SIGTERM))
    }

    @Test("a line of output is waited for, and the wait ends when the child does")
    func outputLine() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "sleep 0.2; echo 'listening on 127.0.0.1:4242'; sleep 60"])
        let line = await child.waitForOutputLine(containing: "127.0.0.1:", timeout: .seconds(30))
        #expect(line == "listening on 127.0.0.1:4242")
        await child.killGroup()
        #expect(child.termination == .signalled(SIGKILL))

        let silent = try ChildProcess("/bin/sh", ["-c", "exit 1"])
        #expect(await silent.waitForOutputLine(containing: "127.0.0.1:", timeout: .seconds(30)) == nil)
        #expect(silent.termination == .exited(1))
    }

    @Test("an executable that does not exist is a thrown error, not a hang")
    func missingExecutable() async throws {
        #expect(throws: ChildProcess.Failure.self) {
            _ = try ChildProcess("/nonexistent/netreach-no-such-program", [])
        }
    }

    @Test("a child that has ended is reaped, not left a zombie")
    func reaped() async throws {
        let child = try ChildProcess("/bin/true", [])
        #expect(await child.wait(timeout: .seconds(30)) == .exited(0))
        // The kernel has forgotten it: it is neither running nor a zombie waiting for us.
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(child.pid)/status")
                || !((try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)) ?? "").contains("State:\tZ"))
    }
}
