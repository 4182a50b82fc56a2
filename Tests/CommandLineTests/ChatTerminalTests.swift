import ChildProcess
import Foundation
import NetreachClient
import NetreachCore
import Testing

/// `netreach chat` in a real terminal (tmux), typed at with send-keys and read with capture-pane.
@Suite("netreach chat in a terminal", .serialized)
struct ChatTerminalTests {
    @Test("a visitor's message appears while the worker is mid-line, the line survives, and /close asks each wrap-up question until it is answered")
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

        // /transfer to a name nobody has is refused before any note is asked for.
        try await tmux(["send-keys", "-t", session, "-l", "/transfer bob"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        let transfer = try await screen(session, until: { $0.contains("no colleague named bob") })
        #expect(transfer?.contains("jo") == true && transfer?.contains("Note for bob") == false, "\(transfer ?? "")")

        // /close asks for the wrap-up question by question; a bad answer is named at once and only that question asked again.
        try await tmux(["send-keys", "-t", session, "-l", "/close"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        let answers: [(answer: String, then: String)] = [
            ("violence, weather", "unknown topic 'weather'"), ("violence, safety-advice", "Referrals, separated"), ("none", "Outcome ("),
            ("maybe", "unknown outcome 'maybe'"), (WrapUp.Outcome.supportGiven.name, "new/repeat"), ("new", "Age band"),
            ("25-34", "Gender"), ("", "Work setting"), ("street", "chat-exited-0"),
        ]
        #expect(try await screen(session, until: { $0.contains("Topics, separated") }) != nil)
        for (answer, then) in answers {
            if !answer.isEmpty { try await tmux(["send-keys", "-t", session, "-l", answer]) }
            try await tmux(["send-keys", "-t", session, "Enter"])
            #expect(try await screen(session, until: { $0.contains(then) }) != nil, "after '\(answer)', waiting for \(then)")
        }
        let pane = try await tmux(["capture-pane", "-p", "-S", "-200", "-t", session])
        func asked(_ question: String) -> Int { pane.components(separatedBy: question).count - 1 }
        #expect(asked("Topics, separated") == 2, "\(pane)")
        #expect(asked("Referrals, separated") == 1, "\(pane)")
        #expect(asked("Outcome (") == 2, "\(pane)")
        #expect(asked("new/repeat") == 1 && asked("Age band") == 1 && asked("Gender") == 1 && asked("Work setting") == 1, "\(pane)")
        let transcript = try await deployment.netreach("sam", ["transcript", visitor.shortID, "--format", "json"])
        let entries = try JSONSerialization.jsonObject(with: Data(transcript.standardOutput.utf8)) as? [[String: String]] ?? []
        let closed = try #require(entries.first { $0["kind"] == "closed" }?["text"], "\(transcript.standardOutput)")
        #expect(closed.contains("topics violence, safety-advice") && closed.contains("outcome support-given"), "\(closed)")
        #expect(closed.contains("age 25-34, gender not-recorded, work setting street"), "\(closed)")
        await visitor.connection.close()
    }

    @Test("/canned sends the version in the visitor's language, else the default with a note, and refuses a name nobody saved")
    func cannedInVisitorsLanguage() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        for arguments in [["canned", "add", "hours", "We are here Monday to Friday, 10:00 to 18:00."],
                          ["canned", "add", "hours", "--language", "ro", "Suntem aici de luni până vineri, 10:00–18:00."],
                          ["canned", "add", "welcome", "Hello, I am here to help."]] {
            let added = try await deployment.netreach("sam", arguments)
            #expect(added.status == 0, "\(added.standardError)")
        }
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "bună ziua",
                                                 language: try VisitorLanguage("ro"))
        let session = "netreach-canned-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
        let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
        let command = "env NETREACH_HOME=\(deployment.home("sam")) \(binary) chat \(visitor.shortID) --passphrase-file \(deployment.passphraseFile) 2>\(deployment.directory)/chat.err; echo chat-exited-$?; sleep 60"
        try await tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "40", command])
        defer { killSession(session) }
        // Typing starts once the prompt shows: keys sent before the line editor takes the terminal are lost.
        #expect(try await screen(session, until: { $0.contains("you have claimed it") && $0.contains("sam>") }) != nil)

        try await tmux(["send-keys", "-t", session, "-l", "/canned hours"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(await visitor.nextStaffMessage() == "Suntem aici de luni până vineri, 10:00–18:00.")
        try await tmux(["send-keys", "-t", session, "-l", "/canned welcome"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(await visitor.nextStaffMessage() == "Hello, I am here to help.")
        #expect(try await screen(session, until: { $0.contains("no ro version of 'welcome': sending the default one") }) != nil)
        try await tmux(["send-keys", "-t", session, "-l", "/canned nope"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(try await screen(session, until: { $0.contains("no canned reply 'nope'; have: hours, welcome") }) != nil)
        try await tmux(["send-keys", "-t", session, "-l", "/quit"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(try await screen(session, until: { $0.contains("chat-exited-0") }) != nil)
        await visitor.connection.close()
    }

    @Test("the visitor deletes the chat while the worker is in it: the chat says the relay erased it, and what is typed after is refused")
    func visitorDeletesMidChat() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "is this private?")
        let session = "netreach-erased-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
        let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
        let command = "env NETREACH_HOME=\(deployment.home("sam")) \(binary) chat \(visitor.shortID) --passphrase-file \(deployment.passphraseFile) 2>\(deployment.directory)/chat.err; echo chat-exited-$?; sleep 60"
        try await tmux(["new-session", "-d", "-s", session, "-x", "200", "-y", "40", command])
        defer { killSession(session) }
        #expect(try await screen(session, until: { $0.contains("you have claimed it") && $0.contains("sam>") && $0.contains("is this private?") }) != nil)

        let request = try Event(kind: .erasureRequested, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                content: ErasureRequest(reason: .visitorRequest).content, signer: visitor.identity.signing)
        #expect(await visitor.connection.append(request, rid: "delete")?["t"] as? String == "ack")
        // The visitor's request shows first, then the relay's record of what it erased.
        let erased = try await screen(session, until: { $0.contains("the relay erased") })
        #expect(erased?.contains("erasure requested: the visitor deleted the chat") == true, "\(erased ?? "")")
        try await tmux(["send-keys", "-t", session, "-l", "are you still there?"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        let refused = try await screen(session, until: { $0.contains("nothing more can be added") })
        #expect(refused?.contains("this conversation's content was erased") == true, "\(refused ?? "")")
        try await tmux(["send-keys", "-t", session, "-l", "/quit"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(try await screen(session, until: { $0.contains("chat-exited-") }) != nil)
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

    @Test("a line typed in a colleague's chat is refused, naming the colleague, and never reaches the visitor")
    func colleaguesChat() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "is anyone there?")
        #expect(try await deployment.netreach("jo", ["claim", visitor.shortID]).status == 0)
        let session = "netreach-colleague-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
        let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
        try await tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "40",
                        "env NETREACH_HOME=\(deployment.home("sam")) \(binary) chat \(visitor.shortID) --passphrase-file \(deployment.passphraseFile); echo chat-exited-$?; sleep 60"])
        defer { killSession(session) }
        #expect(try await screen(session, until: { $0.contains("sam>") && $0.contains("visitor: is anyone there?") }) != nil)
        #expect(try await screen(session, until: { $0.contains("jo has this conversation") }) != nil)

        for line in ["hi, this was meant for another chat", "/close"] {
            try await tmux(["send-keys", "-t", session, "-l", line])
            try await tmux(["send-keys", "-t", session, "Enter"])
        }
        let refused = try await screen(session, until: { $0.components(separatedBy: "! jo has conversation \(visitor.shortID)").count == 3 })
        #expect(refused?.contains("--as-colleague") == true, "\(refused ?? "")")
        #expect(await visitor.nextStaffMessage(timeout: .seconds(3)) == nil)
        try await tmux(["send-keys", "-t", session, "-l", "/quit"])
        try await tmux(["send-keys", "-t", session, "Enter"])
        #expect(try await screen(session, until: { $0.contains("chat-exited-0") }) != nil)
        let transcript = try await deployment.netreach("jo", ["transcript", visitor.shortID, "--format", "json"])
        let entries = try JSONSerialization.jsonObject(with: Data(transcript.standardOutput.utf8)) as? [[String: String]] ?? []
        #expect(!entries.contains { $0["speaker"] == "sam" && ["message", "closed"].contains($0["kind"] ?? "") }, "\(entries)")
        await visitor.connection.close()
    }

    @Test("handover at the end of a shift shows the safety alert published a minute before, verified, and what did not verify")
    func handoverShowsAlerts() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "a punter attacked me")
        let reported = try await deployment.netreach("sam", [
            "report", "incident", visitor.shortID, "--date", "2026-11-20", "--time", "evening", "--area", "Leeds city centre",
            "--setting", "indoor", "--what", "physical-assault", "--phone", "07700 900123", "--description", "Tall, grey hair, white van",
            "--no-support", "--consent", "2"])
        #expect(reported.status == 0, "\(reported.standardError)")
        let incident = try #require(reported.standardOutput.split(separator: " ").dropFirst().first.map(String.init))
        let draft = deployment.directory + "/alert.json"
        #expect(try await deployment.netreach("sam", ["alert", "draft", incident, "--out", draft]).status == 0)
        let published = try await deployment.netreach("sam", ["alert", "publish", draft])
        #expect(published.status == 0, "\(published.standardError)")

        let session = "netreach-handover-" + String(visitor.shortID.filter { $0.isLetter || $0.isNumber })
        let binary = BinaryRunner.productsDirectory.appendingPathComponent("netreach").path
        try await tmux(["new-session", "-d", "-s", session, "-x", "200", "-y", "40",
                        "env NETREACH_HOME=\(deployment.home("jo")) \(binary) handover --passphrase-file \(deployment.passphraseFile); echo handover-exited-$?; sleep 60"])
        defer { killSession(session) }
        let screen = try await screen(session, until: { $0.contains("handover-exited-") })
        #expect(screen?.contains("handover-exited-0") == true, "\(screen ?? "")")
        #expect(screen?.contains("Tall, grey hair, white van") == true, "\(screen ?? "")")
        #expect(screen?.contains("Leeds city centre") == true && screen?.contains("signed by sam") == true, "\(screen ?? "")")
        #expect(screen?.contains("1 verified, 0 did not verify") == true, "\(screen ?? "")")
        #expect(screen?.contains("no safety alerts") == false, "\(screen ?? "")")
        // The checker says how much it checked: "no alert" over an empty or unverified feed is no all-clear.
        let check = try await deployment.netreach("jo", ["check", "07700 900124"])
        #expect(check.status == 0 && check.standardOutput.contains("(1 verified alert(s) checked)"), "\(check.standardOutput)")
        await visitor.connection.close()
    }

    private func killSession(_ session: String) { Tmux.kill(session) }

    @discardableResult
    private func tmux(_ arguments: [String]) async throws -> String { try await Tmux.run(arguments) }

    private func screen(_ session: String, until condition: (String) -> Bool, seconds: Int = 60) async throws -> String? {
        try await Tmux.screen(session, until: condition, seconds: seconds)
    }
}
