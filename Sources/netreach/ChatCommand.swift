import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// `netreach chat ID`: the conversation's history, then live messages while you type.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a visitor: history, live messages while you type, and /note, /canned, /transfer, /close, /help.",
        discussion: """
            Opening the chat of a waiting conversation claims it for you. Lines you type are sent to the visitor;
            lines starting with / are commands (/help lists them). If the network drops, the chat reconnects by
            itself and sends what you typed meanwhile, once. Ctrl-D or /quit leaves.

            Example:
              netreach chat 3f9a0c1e
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("chat") {
            let (workspace, secret) = try await openWorkspace(passphrase)
            var chat = ChatLoop(work: ConversationWork(workspace: workspace), home: workspace.home, secret: secret)
            defer { chat.editor?.stop() }
            do {
                try await chat.run(id: id)
            } catch {
                await chat.work.workspace.close()
                throw error
            }
            await chat.work.workspace.close()
        }
    }
}

/// The chat's state: the conversation, what has been shown, what waits to be sent.
struct ChatLoop {
    enum Input: Sendable {
        case typed(LineEditor.Input)
        case relayEvent
        case disconnected
    }

    var work: ConversationWork
    let home: NetreachHome
    let secret: SecureBytes
    var conversation: ConversationID?
    var shownPosition: UInt64?
    /// Messages typed and signed but not yet acknowledged by the relay, in order.
    var outbox: [Event] = []
    var editor: LineEditor?
    /// Everything that happens, in order: lines typed and the relay's pushes.
    var inputs: AsyncStream<Input>.Iterator?
    var merged: AsyncStream<Input>.Continuation?

    init(work: ConversationWork, home: NetreachHome, secret: SecureBytes) {
        self.work = work
        self.home = home
        self.secret = secret
    }

    mutating func run(id: String) async throws {
        let conversation = try await work.conversation(matching: id)
        self.conversation = conversation
        var inbox = Inbox()
        for event in try await work.events(of: conversation) { inbox.apply(event) }
        guard let summary = inbox.summary(of: conversation) else { throw CommandFailure("\(id) is not a conversation") }
        printToStandardOutput("conversation \(shortID(conversation)) — opened \(clock(summary.openedAt)); /help lists the commands")
        switch (summary.state, summary.claimedBy) {
        case (.waiting, _):
            try await work.claim(conversation)
            printToStandardOutput("you have claimed it; the visitor sees that someone is here")
        case (.closed, _):
            printToStandardOutput("this conversation is closed; you can read it, and messages you send still reach the visitor")
        case (_, let owner?) where owner != work.workspace.credentials.keyID:
            printToStandardOutput("\(work.name(of: owner)) has this conversation; what you send is sent under your name")
        default:
            break
        }
        try await showNew()
        let editor = LineEditor(prompt: "\(work.workspace.credentials.name)> ")
        self.editor = editor
        startInputs(editor: editor)
        while let input = await nextInput() {
            switch input {
            case .typed(.line(let line)):
                if try await handle(line: line) == false { return }
            case .typed(.endOfInput), .typed(.interrupt):
                if !outbox.isEmpty { editor.printAbove("(\(outbox.count) message(s) not yet delivered are dropped; they were never sent)") }
                return
            case .relayEvent:
                try await showNew()
            case .disconnected:
                editor.printAbove("— connection to the relay lost; reconnecting (what you type is kept and sent once back) —")
                await reconnect()
                try await flushOutbox()
                try await showNew()
            }
        }
    }

    /// One stream of what happens: lines typed, and the relay having pushed something or gone away.
    /// The typing side is started once; the relay side again after each reconnection.
    mutating func startInputs(editor: LineEditor) {
        let (stream, continuation) = AsyncStream.makeStream(of: Input.self)
        Task {
            for await typed in editor.inputs { continuation.yield(.typed(typed)) }
            continuation.finish()
        }
        inputs = stream.makeAsyncIterator()
        merged = continuation
        watchRelay()
    }

    func watchRelay() {
        guard let continuation = merged else { return }
        let connection = work.workspace.session.connection
        Task {
            while !Task.isCancelled {
                if await connection.isClosed { continuation.yield(.disconnected); return }
                if await connection.peek("event", timeout: .milliseconds(500)) {
                    continuation.yield(.relayEvent)
                    // showNew takes the events; give it a moment before looking again.
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }

    // MARK: Lines

    /// False when the chat should end.
    mutating func handle(line: String) async throws -> Bool {
        guard let conversation, let editor else { return false }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return true }
        guard trimmed.hasPrefix("/") else {
            try await send(trimmed)
            return true
        }
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        do {
            switch parts[0] {
            case "/help":
                editor.printAbove("""
                    /note TEXT          a note only staff read
                    /canned NAME        send a canned reply (netreach canned list)
                    /transfer NAME      hand the chat to a colleague (asks for a note)
                    /close              close with the wrap-up (asks for topics, referrals, outcome)
                    /quit               leave the chat (Ctrl-D too)
                    """)
            case "/note":
                guard !argument.isEmpty else { editor.printAbove("usage: /note TEXT"); return true }
                try await work.note(conversation, text: argument)
                try await showNew()
            case "/canned":
                let canned = CannedReplies.load(home: home)
                guard let text = canned.replies[argument] else {
                    editor.printAbove("no canned reply '\(argument)'; have: \(canned.replies.keys.sorted().joined(separator: ", "))")
                    return true
                }
                try await send(text)
            case "/transfer":
                guard let name = try? StaffName(argument) else { editor.printAbove("usage: /transfer NAME"); return true }
                guard let note = await ask("Note for \(name): ", editor), !note.isEmpty else { editor.printAbove("not transferred"); return true }
                try await work.transfer(conversation, to: name, note: note)
                try await showNew()
            case "/close":
                guard let wrapUp = await askWrapUp(editor) else { editor.printAbove("not closed"); return true }
                try await work.close(conversation, wrapUp: wrapUp)
                try await showNew()
                editor.printAbove("closed.")
                return false
            case "/quit", "/exit":
                return false
            default:
                editor.printAbove("unknown command \(parts[0]); /help lists them")
            }
        } catch let error as WorkError {
            editor.printAbove("! \(error.description)")
        } catch let error as ProtocolError {
            editor.printAbove("! the relay refused: \(error.message)")
        } catch let error as StaffSession.Failure {
            editor.printAbove("! \(error.description)")
        }
        return true
    }

    /// Signs the message, queues it, and delivers the queue; offline, it waits in the queue.
    mutating func send(_ text: String) async throws {
        guard let conversation, let editor else { return }
        guard text.utf8.count <= SealedText.maximumTextCount else { editor.printAbove("! a message is at most \(SealedText.maximumTextCount) bytes"); return }
        do {
            outbox.append(try await work.message(conversation, text: text))
        } catch let error as WorkError {
            editor.printAbove("! \(error.description)")
            return
        }
        try await flushOutbox()
        try await showNew()
    }

    /// Delivers queued messages in order; stops at the first that cannot be delivered now.
    mutating func flushOutbox() async throws {
        while let event = outbox.first {
            do {
                try await work.deliver(event)
                outbox.removeFirst()
            } catch let failure as StaffSession.Failure where failure.reason == .unreachable {
                editor?.printAbove("(offline: \(outbox.count) message(s) will be sent when the relay is back)")
                return
            }
        }
    }

    /// Prints transcript entries after the last one shown, and marks them read.
    mutating func showNew() async throws {
        guard let conversation else { return }
        try await work.catchUp()
        let events = try await work.workspace.replica.events(of: conversation)
        let entries = Transcript.build(events: events, keys: work.keys(for: events), keyring: work.workspace.keyring)
        for entry in entries where shownPosition.map({ entry.position > $0 }) ?? true {
            let line = transcriptLine(entry)
            if let editor { editor.printAbove(line) } else { printToStandardOutput(line) }
            shownPosition = entry.position
        }
        if let last = events.last {
            var marks = ReadMarks.load(home: home)
            marks.markRead(conversation, upTo: last.position)
            try? marks.save(home: home)
        }
    }

    mutating func nextInput() async -> Input? {
        guard var iterator = inputs else { return nil }
        let input = await iterator.next()
        inputs = iterator
        return input
    }

    mutating func reconnect() async {
        var delay = 1.0
        while true {
            try? await Task.sleep(for: .seconds(delay))
            if let workspace = try? await StaffWorkspace.open(home: home, passphrase: secret) {
                await work.workspace.session.close()
                await work.workspace.replica.close()
                work = ConversationWork(workspace: workspace)
                watchRelay()
                editor?.printAbove("— reconnected —")
                return
            }
            delay = min(delay * 2, 30)
        }
    }

    // MARK: Questions

    /// Asks a question and waits for the typed answer; messages arriving meanwhile are still shown.
    mutating func ask(_ question: String, _ editor: LineEditor) async -> String? {
        editor.printAbove(question)
        while let input = await nextInput() {
            switch input {
            case .typed(.line(let line)): return line.trimmingCharacters(in: .whitespaces)
            case .typed: return nil
            case .relayEvent: try? await showNew()
            case .disconnected:
                editor.printAbove("— connection to the relay lost; reconnecting —")
                await reconnect()
                editor.printAbove(question)
            }
        }
        return nil
    }

    mutating func askWrapUp(_ editor: LineEditor) async -> WrapUp? {
        while true {
            guard let topics = await ask("Topics, separated by commas (\(WrapUp.Topic.allCases.map(\.name).joined(separator: ", "))):", editor),
                  let referrals = await ask("Referrals, separated by commas, or none (\(WrapUp.Referral.allCases.map(\.name).joined(separator: ", "))):", editor),
                  let outcome = await ask("Outcome (\(WrapUp.Outcome.allCases.map(\.name).joined(separator: ", "))):", editor),
                  let contact = await ask("Has this person been in touch before? (new/repeat):", editor)
            else { return nil }
            func list(_ text: String) -> [String] {
                text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "none" }
            }
            guard contact == "new" || contact == "repeat" else { editor.printAbove("! answer new or repeat"); continue }
            do {
                return try WrapUp.parse(topics: list(topics), referrals: list(referrals), outcome: outcome, contact: contact == "repeat" ? .repeat : .new)
            } catch {
                editor.printAbove("! \(error) — let's go through it again (Ctrl-D to leave without closing)")
            }
        }
    }
}
