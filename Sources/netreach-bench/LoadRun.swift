import Logging
import NetreachCore
import Synchronization

/// What every client of a load run shares: who is who, the phases of the run, and the counters that
/// belong to no one conversation.
final class LoadRun: Sendable {
    let visitors: [LoadVisitor]
    /// Which visitor each conversation belongs to, for staff connections sorting the whole log.
    let conversations: [ConversationID: Int]
    let staffCount: Int
    /// The public key every staff connection signs with: the author of every reply.
    let staffKey: [UInt8]
    let keyring: Keyring
    let powBits: Int
    /// Mean seconds between one visitor's messages.
    let visitorInterval: Double
    let logger: Logger
    /// Opens when the chat begins; every visitor waits for it after setting up.
    let start = Gate()

    struct Counters: Sendable {
        /// Clients that finished setting up, and the reasons of those among them that failed.
        var arrived = 0
        var setupFailures: [String] = []
        /// Conversations the relay acknowledged opening, and visitors that then went on to talk.
        var opened = 0
        var talking = 0
        /// Visitors that stopped sending at the deadline (or because their connection ended).
        var sendersDone = 0
        var clientsEnded = 0
        /// Connections that ended before the client closed them.
        var dropped = 0
        /// Visitor appends that got neither an ack nor an error before the connection ended.
        var unanswered = 0
        /// Delivered events that did not verify or open with the conversation key.
        var corrupt = 0
        /// Events of another conversation delivered to a visitor.
        var misdelivered = 0
        /// Refused appends and errors that answered no request, by error code.
        var refused: [String: Int] = [:]
        var unsolicited: [String: Int] = [:]
    }

    private struct State {
        var deadline = ContinuousClock.now
        var stopping = false
        var finishSignals: [Gate] = []
        var counters = Counters()
    }

    private let state = Mutex(State())

    init(visitors: [LoadVisitor], staffCount: Int, staffKey: [UInt8], keyring: Keyring, powBits: Int, visitorInterval: Double,
         logger: Logger) {
        self.visitors = visitors
        conversations = Dictionary(uniqueKeysWithValues: visitors.map { ($0.identity.conversation, $0.number) })
        self.staffCount = staffCount
        self.staffKey = staffKey
        self.keyring = keyring
        self.powBits = powBits
        self.visitorInterval = visitorInterval
        self.logger = logger
    }

    var counters: Counters { state.withLock { $0.counters } }
    var deadline: ContinuousClock.Instant { state.withLock { $0.deadline } }
    var isStopping: Bool { state.withLock { $0.stopping } }

    func count(_ change: (inout Counters) -> Void) { state.withLock { change(&$0.counters) } }

    /// A client ended with an error; if it had not finished setting up, it counts as arrived (so the
    /// ramp-up does not wait for it) and as a set-up failure.
    func ended(_ client: String, with error: any Error, arrived: Bool) {
        guard !arrived else { return }
        count {
            $0.arrived += 1
            $0.setupFailures.append("\(client): \(error)")
        }
    }

    /// Waits until `count` clients have finished setting up; false if `timeout` passed first.
    func waitForArrivals(_ count: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while counters.arrived < count {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Starts the chat, which lasts `length`; returns its end.
    func begin(for length: Duration) async -> ContinuousClock.Instant {
        let end = ContinuousClock.now + length
        state.withLock { $0.deadline = end }
        await start.open()
        return end
    }

    /// A signal that opens when the run stops (at once if it has), or earlier when its connection opens it itself.
    func finishSignal() async -> Gate {
        let signal = Gate()
        if state.withLock({ state in
            state.finishSignals.append(signal)
            return state.stopping
        }) {
            await signal.open()
        }
        return signal
    }

    /// Tells every client to close its connection; a client still waiting to start is let go first.
    func stop() async {
        let signals = state.withLock { state in
            state.stopping = true
            return state.finishSignals
        }
        await start.open()
        for signal in signals { await signal.open() }
    }

    /// Every visitor has stopped sending and every conversation's messages are accounted for.
    var isSettled: Bool {
        let counters = counters
        return counters.sendersDone >= counters.talking && visitors.allSatisfy(\.ledger.isSettled)
    }
}
