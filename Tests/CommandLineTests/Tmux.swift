import ChildProcess
import Testing

/// A terminal for a test: tmux sessions driven as a person would type (`send-keys`) and read
/// (`capture-pane`).
enum Tmux {
    /// Ends a test's tmux session (and the chat in it); quick, so it may run in a defer.
    static func kill(_ session: String) {
        let tmux = try? ChildProcess("/usr/bin/tmux", ["kill-session", "-t", session])
        tmux?.waitBlocking(timeout: .seconds(5))
    }

    /// Runs tmux with a deadline, holding none of the shared test threads while it runs, so that a
    /// tmux that never answers fails this test instead of stalling the others.
    @discardableResult
    static func run(_ arguments: [String]) async throws -> String {
        let outcome = try await ChildProcess.run("/usr/bin/tmux", arguments, mergingErrorsIntoOutput: true, timeout: .seconds(10))
        guard outcome.status == 0 else { throw HarnessError("tmux \(arguments.first ?? "") failed (\(outcome.termination)): \(outcome.output)") }
        return outcome.output
    }

    /// The pane's text once `condition` holds, or nil after 60 s: the bound only stops a hang (two CI
    /// runs on 2 cores, with every suite running at once, took longer than 15 s to show a chat's history).
    static func screen(_ session: String, until condition: (String) -> Bool, seconds: Int = 60) async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await run(["capture-pane", "-p", "-t", session])
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the screen never showed what was expected in \(seconds) s; it was:\n\(last)")
        return nil
    }
}
