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
            Opening the chat of a waiting conversation claims it for you. A colleague's conversation opens to read: \
            what you type is refused unless you opened it with --as-colleague. Lines you type are sent to the visitor; \
            lines starting with / are commands (/help lists them). If the network drops, the chat reconnects by \
            itself and sends what you typed meanwhile, once. Ctrl-D or /quit leaves.

            Example:
              netreach chat 3f9a0c1e
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Flag(help: "Write in it although a colleague has the conversation, on purpose (netreach audit shows it).") var asColleague = false
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("chat") {
            let workspace = try await openWorkspace(passphrase)
            var chat = ChatLoop(work: ConversationWork(workspace: workspace, asColleague: asColleague), home: workspace.home)
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
    var conversation: ConversationID?
    var shownPosition: UInt64?
    /// Messages typed and signed but not yet acknowledged by the relay, in order.
    var outbox: [Event] = []
    var editor: LineEditor?
    /// Everything that happens, in order: lines typed and the relay's pushes.
    var inputs: AsyncStream<Input>.Iterator?
    var merged: AsyncStream<Input>.Continuation?

    init(work: ConversationWork, home: NetreachHome) {
        self.work = work
        self.home = home
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
        case (.closed, let owner?) where owner != work.workspace.credentials.keyID && !work.asColleague:
            printToStandardOutput("this conversation is closed, and was \(work.name(of: owner))'s: you can read it here; to write to the "
                                  + "visitor, open it with --as-colleague")
        case (.closed, _):
            printToStandardOutput("this conversation is closed; you can read it, and messages you send still reach the visitor")
        case (_, let owner?) where owner != work.workspace.credentials.keyID && work.asColleague:
            printToStandardOutput("\(work.name(of: owner)) has this conversation; you write in it as a colleague, under your name, "
                                  + "and the audit shows it")
        case (_, let owner?) where owner != work.workspace.credentials.keyID:
            printToStandardOutput("\(work.name(of: owner)) has this conversation: you can read it here; to write in it, ask them to "
                                  + "transfer it to you, or open it with --as-colleague (handover: notes are always welcome)")
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
        guard let connection = try? work.workspace.session.connection else { continuation.yield(.disconnected); return }
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
                    /canned NAME        send a canned reply, in the visitor's language if you have that version
                    /transfer NAME      hand the chat to a colleague (asks for a note)
                    /close              close with the wrap-up (topics, referrals, outcome, new or repeat,
                                        then age band, gender and work setting if the visitor said)
                    /quit               leave the chat (Ctrl-D too)
                    """)
            case "/note":
                guard !argument.isEmpty else { editor.printAbove("usage: /note TEXT"); return true }
                try await work.note(conversation, text: argument)
                try await showNew()
            case "/canned":
                let canned = CannedReplies.load(home: home)
                let events = try await work.events(of: conversation)
                let language = ConversationLanguage.read(events, keys: work.keys(for: events)).language
                guard let reply = canned.reply(named: argument, for: language) else {
                    editor.printAbove(canned.names.contains(argument)
                        ? "canned reply '\(argument)' has no default version and none in \(language?.tag ?? "the visitor's language"); not sent"
                        : "no canned reply '\(argument)'; have: \(canned.names.joined(separator: ", "))")
                    return true
                }
                if let language, reply.language == nil {
                    editor.printAbove("(no \(language.tag) version of '\(argument)': sending the default one)")
                }
                try await send(reply.text)
            case "/transfer":
                guard let name = try? StaffName(argument) else { editor.printAbove("usage: /transfer NAME"); return true }
                // The name first: a note typed for someone who is not there would be typed for nothing.
                let others = work.workspace.keyring.active.filter { $0.keyID != work.workspace.credentials.keyID }
                guard others.contains(where: { $0.name == name }) else {
                    let names = others.map(\.name.text).sorted().joined(separator: ", ")
                    editor.printAbove("! no colleague named \(name) can take it (active: \(names.isEmpty ? "nobody else" : names)); not transferred")
                    return true
                }
                guard let note = await ask("Note for \(name): ", editor), !note.isEmpty else { editor.printAbove("not transferred"); return true }
                try await work.transfer(conversation, to: name, note: note)
                try await showNew()
            case "/close":
                try await work.checkNotColleagues(conversation)  // before the questions, not after them
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
        let sharing = keySharing(in: events, keyring: work.workspace.keyring, periods: try await work.periodDirectory())
        for entry in entries where shownPosition.map({ entry.position > $0 }) ?? true {
            let line = transcriptLine(entry, keySharing: sharing)
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
            if let workspace = try? await StaffWorkspace.open(home: home, credentials: work.workspace.credentials) {
                await work.workspace.session.close()
                await work.workspace.replica.close()
                work = ConversationWork(workspace: workspace, asColleague: work.asColleague)
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

    /// Asks a question until the answer reads: a bad answer is named, with the valid values, and only
    /// that question is asked again. Nil when the person leaves (Ctrl-D).
    mutating func askUntilValid<Value>(_ question: String, _ editor: LineEditor, _ read: (String) throws -> Value) async -> Value? {
        while let answer = await ask(question, editor) {
            do {
                return try read(answer)
            } catch let error as ConversationError {
                editor.printAbove("! \(error.message) (Ctrl-D to leave without closing)")
            } catch {
                editor.printAbove("! \(error) (Ctrl-D to leave without closing)")
            }
        }
        return nil
    }

    /// The wrap-up, question by question, each answer checked as it is given (the same lists and rules as `netreach close`).
    mutating func askWrapUp(_ editor: LineEditor) async -> WrapUp? {
        func list(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0.lowercased() != "none" }
        }
        func terms<Term: WrapUpTerm>(_ text: String, _ kind: Term.Type) throws(ConversationError) -> [Term] {
            var values: [Term] = []
            for name in list(text) {
                let value = try Term.parse(name)
                guard !values.contains(value) else {
                    throw ConversationError(.duplicateValue, "\(Term.noun) '\(value.name)' is given twice", field: Term.field)
                }
                values.append(value)
            }
            return values
        }
        func optional<Term: WrapUpTerm>(_ text: String, _ kind: Term.Type) throws(ConversationError) -> Term? {
            text.isEmpty ? nil : try Term.parse(text)
        }
        func choices(_ names: [String]) -> String { names.filter { $0 != "not-recorded" }.joined(separator: ", ") }

        guard let topics = await askUntilValid("Topics, separated by commas (\(choices(WrapUp.Topic.names))):", editor, { answer in
            let topics = try terms(answer, WrapUp.Topic.self)
            guard !topics.isEmpty else {
                throw ConversationError(.missingValue, "a wrap-up needs at least one topic; the topics are: " + choices(WrapUp.Topic.names),
                                        field: WrapUp.Topic.field)
            }
            return topics
        }),
              let referrals = await askUntilValid("Referrals, separated by commas, or none (\(choices(WrapUp.Referral.names))):", editor, {
                  try terms($0, WrapUp.Referral.self)
              }),
              let outcome = await askUntilValid("Outcome (\(choices(WrapUp.Outcome.names))):", editor, { answer in
                  let outcome = try WrapUp.Outcome.parse(answer)
                  if outcome == .referred && referrals.isEmpty {
                      throw ConversationError(.inconsistent, "the outcome 'referred' needs a referral, and none was given: choose "
                                              + "another outcome, or leave with Ctrl-D and /close again", field: WrapUp.Outcome.field)
                  }
                  return outcome
              }),
              let contact = await askUntilValid("Has this person been in touch before? (new/repeat):", editor, { try WrapUp.Contact.parse($0) }),
              let age = await askUntilValid("Age band, only if the visitor said (\(choices(WrapUp.AgeBand.names)); empty: not recorded):",
                                            editor, { try optional($0, WrapUp.AgeBand.self) }),
              let gender = await askUntilValid("Gender, only if the visitor said (\(choices(WrapUp.Gender.names)); empty: not recorded):",
                                               editor, { try optional($0, WrapUp.Gender.self) }),
              let workSetting = await askUntilValid(
                "Work setting, only if the visitor said (\(choices(WrapUp.WorkSetting.names)); empty: not recorded):", editor,
                { try optional($0, WrapUp.WorkSetting.self) })
        else { return nil }
        do {
            return try WrapUp(topics: topics, referrals: referrals, outcome: outcome, contact: contact,
                              demographics: WrapUp.Demographics(age: age ?? .notRecorded, gender: gender ?? .notRecorded,
                                                                workSetting: workSetting ?? .notRecorded))
        } catch {
            // Every rule of WrapUp was checked with its question above; this is a bug, said plainly.
            editor.printAbove("! the wrap-up does not hold together: \(error.message); not closed")
            return nil
        }
    }
}
