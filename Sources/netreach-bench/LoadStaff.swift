import EventLog
import Foundation
import HummingbirdWSClient
import NetreachCore
import Sodium
import Synchronization

/// One staff connection of the load run, signing as the demo worker: it follows the whole log, as
/// every staff client does, and answers each visitor message of the conversations assigned to it
/// (visitor number mod staff count) after a think time.
final class LoadStaff: Sendable {
    let index: Int
    private let signing: SigningKeyPair

    /// A reply waiting for its think time to pass.
    private struct PendingReply { let due: ContinuousClock.Instant; let visitor: Int }

    private struct State {
        var pending: [PendingReply] = []
        /// Replies written and not yet answered, by request id.
        var inFlight: [String: (visitor: Int, id: EventID)] = [:]
        var requests = 0
        var eventsReceived = 0
        var lastPosition: UInt64?
        /// Events that came at or before a position already seen (docs/PROTOCOL.md: in position order, never twice).
        var outOfOrder = 0
    }

    private let state = Mutex(State())

    init(index: Int, signing: SigningKeyPair) {
        self.index = index
        self.signing = signing
    }

    var eventsReceived: Int { state.withLock { $0.eventsReceived } }
    var outOfOrder: Int { state.withLock { $0.outOfOrder } }
    var repliesInFlight: Int { state.withLock { $0.inFlight.count } }

    /// Sets up, answers until the run stops, then closes. Never throws: what goes wrong is counted in `run`.
    func run(url: String, in run: LoadRun) async {
        let arrived = Shared(false)
        do {
            try await WebSocketClient.connect(url: url, logger: run.logger) { [self] inbound, outbound, _ in
                var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await WireClient.authenticate(signing, role: .staff, frames: &frames, outbound: outbound)
                guard let caughtUp = try await WireClient.subscribe(frames: &frames, outbound: outbound) else {
                    throw BenchError("the connection ended before the subscription was live")
                }
                state.withLock { $0.eventsReceived += caughtUp }
                arrived.update { $0 = true }
                run.count { $0.arrived += 1 }

                let ended = Shared(false), closing = Shared(false)
                async let answering: Void = answer(outbound: outbound, ended: ended, closing: closing, run: run)
                do {
                    while let frame = try await frames.next() { read(frame, run: run) }
                } catch {
                    // Counted below as a dropped connection, unless this client was closing it.
                }
                ended.update { $0 = true }
                if !closing.value { run.count { $0.dropped += 1 } }
                await answering
            }
        } catch {
            run.ended("staff \(index)", with: error, arrived: arrived.value)
        }
        run.count { $0.clientsEnded += 1 }
    }

    /// Writes the replies whose think time has passed, until the run stops, then closes. One loop per
    /// connection with a queue, rather than a sleeping task per message.
    private func answer(outbound: WebSocketOutboundWriter, ended: Shared<Bool>, closing: Shared<Bool>, run: LoadRun) async {
        writing: while !run.isStopping && !ended.value {
            try? await Task.sleep(for: .milliseconds(20))
            let now = ContinuousClock.now
            let due = state.withLock { state in
                let due = state.pending.filter { $0.due <= now }
                state.pending.removeAll { $0.due <= now }
                return due
            }
            for reply in due {
                guard await send(reply, outbound: outbound, run: run) else { break writing }
            }
        }
        guard !ended.value else { return }
        closing.update { $0 = true }
        try? await outbound.close(.normalClosure, reason: nil)
    }

    /// Seals a reply with the conversation key and signs it; false if the connection cannot be written to.
    private func send(_ reply: PendingReply, outbound: WebSocketOutboundWriter, run: LoadRun) async -> Bool {
        let visitor = run.visitors[reply.visitor]
        let text = "Hi, I'm here and you're safe to talk. Take your time: what happened? (staff \(index))"
        guard let event = try? Event(kind: .messagePosted, conversation: visitor.identity.conversation,
                                     clientTimeMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000),
                                     content: SealedText.seal(text, key: visitor.conversationKey), signer: signing),
              let id = try? EventID(event.id)
        else { return true }
        let rid = state.withLock { state in
            state.requests += 1
            state.inFlight["r\(state.requests)"] = (reply.visitor, id)
            return "r\(state.requests)"
        }
        visitor.ledger.replySending(id)
        do {
            try await outbound.write(.text(#"{"t":"append","rid":"\#(rid)","event":"\#(Base64URL.encode(event.bytes))"}"#))
            return true
        } catch {
            return false
        }
    }

    private func read(_ frame: WebSocketMessage, run: LoadRun) {
        let now = ContinuousClock.now
        guard case .text(let text) = frame, let fields = try? WireJSON.parseObject(text) else { return }
        switch fields["t"]?.string {
        case "event":
            guard case .unsigned(let position)? = fields["position"] else { return }
            state.withLock { state in
                state.eventsReceived += 1
                if let last = state.lastPosition, position <= last { state.outOfOrder += 1 }
                state.lastPosition = max(position, state.lastPosition ?? 0)
            }
            guard fields["kind"]?.string == EventKind.messagePosted.name, let encoded = fields["event"]?.string,
                  let header = EventHeader(base64URL: encoded), let number = run.conversations[header.conversation],
                  number % run.staffCount == index, !header.author.elementsEqual(run.staffKey)
            else { return }
            // A visitor message for this connection: it must verify and open with the conversation key.
            let visitor = run.visitors[number]
            guard let bytes = try? Base64URL.decode(encoded), let event = try? Event(bytes: bytes),
                  (try? SealedText.open(event.content, key: visitor.conversationKey)) != nil else {
                run.count { $0.corrupt += 1 }
                return
            }
            if visitor.ledger.deliveredToStaff(header.id, at: now) {
                let think = Duration.milliseconds(Int.random(in: 500...2000))
                state.withLock { $0.pending.append(PendingReply(due: now + think, visitor: number)) }
            }
        case "ack":
            guard let rid = fields["rid"]?.string, let sent = state.withLock({ $0.inFlight.removeValue(forKey: rid) }) else { return }
            run.visitors[sent.visitor].ledger.replyAnswered(sent.id, acked: true)
        case "error":
            let code = fields["code"]?.string ?? "unknown"
            if let rid = fields["rid"]?.string, let sent = state.withLock({ $0.inFlight.removeValue(forKey: rid) }) {
                run.visitors[sent.visitor].ledger.replyAnswered(sent.id, acked: false)
                run.count { $0.refused[code, default: 0] += 1 }
            } else {
                run.count { $0.unsolicited[code, default: 0] += 1 }
            }
        default:
            break
        }
    }
}
