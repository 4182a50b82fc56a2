import EventLog
import Foundation
import HummingbirdWSClient
import NetreachCore
import Sodium

/// One visitor of the load run: opens its own conversation, writes at random intervals, each message
/// waiting for its acknowledgement, and reads the staff member's replies on the same connection.
struct LoadVisitor: Sendable {
    let number: Int
    let identity = VisitorIdentity(phrase: .generate())
    /// Made here, as the visitor's phone makes it; the bench's staff connections use it to seal replies.
    let conversationKey = SecretBox.generateKey()
    let ledger = ConversationLedger()

    init(number: Int) { self.number = number }

    /// An append's answer, passed from the connection's reader to the writer waiting for it.
    enum Answer: Sendable { case ack, refused(code: String) }

    /// Sets up, talks until the run's deadline, and closes when the run stops. Never throws: what
    /// goes wrong is counted in `run`.
    func run(url: String, in run: LoadRun) async {
        let arrived = Shared(false)
        do {
            try await WebSocketClient.connect(url: url, logger: run.logger) { inbound, outbound, _ in
                var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                let challenge = try await WireClient.authenticate(identity.signing, role: .visitor, frames: &frames, outbound: outbound)
                let opening = try Event.opening(identity: identity, conversationKey: conversationKey, keyring: run.keyring)
                let pow = ProofOfWork.solve(challenge: challenge, conversation: identity.conversation, bits: run.powBits)
                try await outbound.write(.text(
                    #"{"t":"open","rid":"open","event":"\#(Base64URL.encode(opening.bytes))","pow":"\#(Base64URL.encode(pow))"}"#))
                guard WireClient.isAck(try await frames.next()) else { throw BenchError("the relay did not open the conversation") }
                run.count { $0.opened += 1 }
                guard try await WireClient.subscribe(frames: &frames, outbound: outbound) != nil else {
                    throw BenchError("the connection ended before the subscription was live")
                }
                arrived.update { $0 = true }
                run.count {
                    $0.arrived += 1
                    $0.talking += 1
                }

                let finish = await run.finishSignal()
                let closing = Shared(false)
                let (answers, answering) = AsyncStream.makeStream(of: Answer.self)
                async let talking: Void = talk(outbound: outbound, answers: answers, finish: finish, closing: closing, run: run)
                do {
                    while let frame = try await frames.next() { read(frame, answering: answering, run: run) }
                } catch {
                    // Counted below as a dropped connection, unless this client was closing it.
                }
                if !closing.value { run.count { $0.dropped += 1 } }
                answering.finish()
                await finish.open()
                await talking
            }
        } catch {
            run.ended("visitor \(number)", with: error, arrived: arrived.value)
        }
        run.count { $0.clientsEnded += 1 }
    }

    /// Writes messages at exponential intervals until the deadline, then waits for the run to stop and closes.
    private func talk(outbound: WebSocketOutboundWriter, answers: AsyncStream<Answer>, finish: Gate, closing: Shared<Bool>,
                      run: LoadRun) async {
        await run.start.wait()
        let deadline = run.deadline
        var answerIterator = answers.makeAsyncIterator()
        var count = 0
        sending: while !run.isStopping {
            // Exponential gaps: many people writing independently make a Poisson stream of messages.
            let gap = -run.visitorInterval * log(1 - Double.random(in: 0..<1))
            let sendAt = ContinuousClock.now + .seconds(gap)
            guard sendAt < deadline else { break }
            try? await Task.sleep(until: sendAt, clock: .continuous)
            count += 1
            let text = "Hello, it's visitor \(number) again (message \(count)). Is anyone there? Something happened and I'd like to talk."
            guard let event = try? Event(kind: .messagePosted, conversation: identity.conversation,
                                         clientTimeMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000),
                                         content: SealedText.seal(text, key: conversationKey), signer: identity.signing),
                  let id = try? EventID(event.id)
            else { break }
            ledger.sending(id)
            do {
                try await outbound.write(.text(#"{"t":"append","rid":"m\#(count)","event":"\#(Base64URL.encode(event.bytes))"}"#))
            } catch {
                break
            }
            switch await answerIterator.next() {
            case .ack?: ledger.acked(id)
            case .refused(let code)?: run.count { $0.refused[code, default: 0] += 1 }
            case nil:
                run.count { $0.unanswered += 1 }
                break sending
            }
        }
        run.count { $0.sendersDone += 1 }
        // Staff replies to the last messages still have to arrive: the connection stays open until the run stops.
        await finish.wait()
        closing.update { $0 = true }
        try? await outbound.close(.normalClosure, reason: nil)
    }

    private func read(_ frame: WebSocketMessage, answering: AsyncStream<Answer>.Continuation, run: LoadRun) {
        let now = ContinuousClock.now
        guard case .text(let text) = frame, let fields = try? WireJSON.parseObject(text) else { return }
        switch fields["t"]?.string {
        case "event":
            guard let encoded = fields["event"]?.string, let header = EventHeader(base64URL: encoded) else {
                run.count { $0.corrupt += 1 }
                return
            }
            guard header.conversation == identity.conversation else {
                run.count { $0.misdelivered += 1 }
                return
            }
            guard fields["kind"]?.string == EventKind.messagePosted.name, header.author.elementsEqual(run.staffKey) else { return }
            // A reply: it must verify and open with the conversation key, as on the visitor's phone.
            guard let bytes = try? Base64URL.decode(encoded), let event = try? Event(bytes: bytes),
                  (try? SealedText.open(event.content, key: conversationKey)) != nil else {
                run.count { $0.corrupt += 1 }
                return
            }
            ledger.deliveredToVisitor(header.id, at: now)
        case "ack":
            answering.yield(.ack)
        case "error":
            let code = fields["code"]?.string ?? "unknown"
            if fields["rid"]?.string != nil {
                answering.yield(.refused(code: code))
            } else {
                run.count { $0.unsolicited[code, default: 0] += 1 }
            }
        default:
            break
        }
    }
}
