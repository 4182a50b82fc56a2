import ChildProcess
import Foundation
import NetreachClient
import NetreachCore
import Testing

/// `netreach chat` in a real terminal (tmux), typed at with send-keys and read with capture-pane.
@Suite("netreach chat in a terminal", .serialized)
struct ChatTerminalTests {
    @Test("a visitor's message appears while the worker is mid-line, the line survives, and /close asks for the wrap-up")
    func chatInTmux() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello? can someone help")
        let session = "netreach-chat-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
        let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
        let command = "env NETREACH_HOME=\(deployment.home("sam")) \(binary) chat \(visitor.shortID) --passphrase-file \(deployment.passphraseFile) 2>\(deployment.directory)/chat.err; echo chat-exited-$?; sleep 60"
        try await tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "40", command])
        defer { killSession(session) }

        let first = try await screen(session, until: { $0.contains("sam>") && $0.contains("visitor: hello? can someone help") })
        #expect(first != nil, "standard error: \((try? String(contentsOfFile: deployment.directory + "/chat.err", encoding: .utf8)) ?? "")")
        #expect(try await screen(session, until: { $0.contains("you have claimed it") }) != nil)

        // Half a line typed, then the visitor writes: the message shows above, the half line stays.
        try await tmux(["send-keys", "-t", session, "-l", "hello wo"])
        #expect(try await screen(session, until: { $0.contains("sam> hello wo") }) != nil)
        try await visitor.say("are you still there?")
        let during = try await screen(session, until: { $0.contains("visitor: are you still there?") })
        #expect(during != nil)
        #expect(during?.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })?.hasSuffix("sam> hello wo") == true,
                "\(during ?? "")")
        try await tmux(["send-keys", "-t", session, "-l", "rld"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(await visitor.nextStaffMessage() == "hello world")

        // Another command works while the chat is open (they take turns at the local replica).
        let inbox = try await deployment.netreach("sam", ["inbox", "--format", "csv"])
        #expect(inbox.status == 0, "\(inbox.standardError)")
        #expect(inbox.standardOutput.contains("mine,\(visitor.shortID)"))

        // /close asks for the wrap-up, question by question.
        try await tmux(["send-keys", "-t", session, "-l", "/close"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(try await screen(session, until: { $0.contains("Topics") }) != nil)
        for (question, answer) in [("Referrals", "violence, safety-advice"), ("Outcome", "none"), ("new/repeat", WrapUp.Outcome.allCases[0].name),
                                   ("chat-exited-0", "new")] {
            try await tmux(["send-keys", "-t", session, "-l", answer])
            try await tmux(["send-keys", "-t", session, "Enter"])
            #expect(try await screen(session, until: { $0.contains(question) }) != nil, "waiting for \(question)")
        }
        let transcript = try await deployment.netreach("sam", ["transcript", visitor.shortID, "--format", "json"])
        #expect(transcript.standardOutput.contains("\"kind\":\"closed\""))
        #expect(transcript.standardOutput.contains("violence"))
        await visitor.connection.close()
    }

    @Test("the relay goes away mid-chat: the chat says so, reconnects by itself, and what was typed meanwhile arrives once")
    func reconnects() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hi")
        let session = "netreach-drop-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
        let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
        try await tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "40",
                  "env NETREACH_HOME=\(deployment.home("sam")) \(binary) chat \(visitor.shortID) --passphrase-file \(deployment.passphraseFile); sleep 60"])
        defer { killSession(session) }
        #expect(try await screen(session, until: { $0.contains("sam>") && $0.contains("visitor: hi") }) != nil)

        try await deployment.stopRelay()
        #expect(try await screen(session, until: { $0.contains("connection to the relay lost") }) != nil)
        try await tmux(["send-keys", "-t", session, "-l", "are you ok? I'm still here"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        try await Task.sleep(for: .seconds(1))
        let restarted = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port)
        defer { restarted.0.send(SIGKILL); restarted.0.waitBlocking(timeout: .seconds(5)) }
        #expect(try await screen(session, until: { $0.contains("reconnected") }, seconds: 40) != nil)
        #expect(try await screen(session, until: { $0.contains("sam: are you ok? I'm still here") }) != nil)

        try await tmux(["send-keys", "-t", session, "-l", "/quit"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        try await Task.sleep(for: .milliseconds(500))
        let transcript = try await deployment.netreach("sam", ["transcript", visitor.shortID, "--format", "csv"])
        #expect(transcript.status == 0, "\(transcript.standardError)")
        #expect(transcript.standardOutput.components(separatedBy: "are you ok? I'm still here").count - 1 == 1, "\(transcript.standardOutput)")
    }

    /// Ends a test's tmux session (and the chat in it); quick, so it may run in a defer.
    private func killSession(_ session: String) {
        let tmux = try? ChildProcess("/usr/bin/tmux", ["kill-session", "-t", session])
        tmux?.waitBlocking(timeout: .seconds(5))
    }

    /// Runs tmux with a deadline, holding none of the shared test threads while it runs, so that a
    /// tmux that never answers fails this test instead of stalling the others.
    @discardableResult
    private func tmux(_ arguments: [String]) async throws -> String {
        let outcome = try await ChildProcess.run("/usr/bin/tmux", arguments, mergingErrorsIntoOutput: true, timeout: .seconds(10))
        guard outcome.status == 0 else { throw HarnessError("tmux \(arguments.first ?? "") failed (\(outcome.termination)): \(outcome.output)") }
        return outcome.output
    }

    /// The pane's text once `condition` holds, or nil after 15 s.
    private func screen(_ session: String, until condition: (String) -> Bool, seconds: Int = 15) async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await tmux(["capture-pane", "-p", "-t", session])
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the screen never showed what was expected in \(seconds) s; it was:\n\(last)")
        return nil
    }
}
