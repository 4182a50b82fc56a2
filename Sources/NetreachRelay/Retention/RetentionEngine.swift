public import EventLog
import Foundation
public import Logging
public import NetreachCore
public import Sodium
import Synchronization

/// What the relay erases, and when (docs/PRIVACY.md, "Erasure"): a conversation at once when its
/// visitor or a supervisor asks (`erasure.requested`), and content whose time under the retention
/// policy in force has passed — but only once the supervisors have sealed the figures of every
/// quarter it counts in, so that past reports stay reproducible.
///
/// It knows the log by folding it (`catchUp`): per conversation its first and last event times,
/// whether it holds a report, and what was erased of it. Every erasure first appends a
/// `content.erased` record, signed by the relay and listing what goes, then redacts those events'
/// payloads: a crash between the two leaves a record whose redactions the next sweep finishes, and
/// a record written twice has the same id (a hash of what it lists), so the log keeps one.
public final class RetentionEngine: Sendable {
    /// The policy the relay applies now.
    public struct PolicyInForce: Sendable, Equatable {
        public let policy: RetentionPolicy
        /// The `policy.set` event's id; nil for the deployment's default (`retention` in the web configuration).
        public let eventID: [UInt8]?
        /// Who signed it (their key id) and when the relay stored it; nil for the default.
        public let setBy: KeyID?
        public let setAt: UInt64?
    }

    /// What one sweep did, and what it could not do yet.
    public struct SweepReport: Sendable, Equatable {
        public var eventsErased = 0
        public var records = 0
        /// Conversations erased whole, and conversations of which only the messages were erased (they hold a report).
        public var conversationsErased = 0
        public var conversationsTrimmed = 0
        public var alertsErased = 0
        /// Conversations and alerts past their time that wait for these quarters' figures to be sealed.
        public var waiting = 0
        public var waitingForQuarters: Set<Quarter> = []
    }

    struct Tracked {
        var firstTime: UInt64
        /// The time and position of the last event that is not an erasure request or record.
        var lastTime: UInt64
        var lastPosition: UInt64
        var hasIncident = false
        var request: (rule: ContentErased.Rule, reference: [UInt8])?
        /// The last position an erasure of the whole conversation, or of its messages, has covered.
        var wholeThrough: UInt64?
        var messagesThrough: UInt64?
    }

    struct State {
        var next: UInt64 = 0
        var conversations: [ConversationID: Tracked] = [:]
        /// Alerts not yet erased: position and relay time.
        var alerts: [UInt64: UInt64] = [:]
        /// Alerts a supervisor withdrew whose erasure is not recorded yet (a crash came between): position → the order's id.
        var withdrawals: [UInt64: [UInt8]] = [:]
        var policy: PolicyInForce
        var sealed: Set<Quarter> = []
        var erased: Set<ConversationID> = []
        /// Whether the fold has once reached the head: before that, `erased` may not know an old erasure.
        var caughtUp = false
    }

    enum Scope {
        case messages, whole, alerts

        func contains(_ kind: EventKind) -> Bool {
            switch self {
            case .messages: [.messagePosted, .noteAdded, .conversationTransferred, .conversationClosed, .feedbackGiven].contains(kind)
            case .whole: kind != .erasureRequested && kind != .contentErased
            case .alerts: kind == .alertPublished
            }
        }
    }

    static let messageKinds: Set<EventKind> = [.messagePosted, .noteAdded, .conversationTransferred, .conversationClosed, .feedbackGiven]
    static let incidentKinds: Set<EventKind> = [.incidentReported, .consentChanged, .incidentShared]
    static let day: UInt64 = 86_400_000

    let store: any EventStore
    let relayKey: SigningKeyPair
    let clock: @Sendable () -> UInt64
    let logger: Logger
    private let state: Mutex<State>
    /// One fold or sweep at a time.
    private let busy = Mutex(false)
    /// Whether the first fold of the whole log was started (by the first question about an erasure).
    private let firstFoldStarted = Mutex(false)

    public init(store: any EventStore, relayKey: SigningKeyPair, defaultPolicy: RetentionPolicy, clock: @escaping @Sendable () -> UInt64,
                logger: Logger) {
        self.store = store
        self.relayKey = relayKey
        self.clock = clock
        self.logger = logger
        state = Mutex(State(policy: PolicyInForce(policy: defaultPolicy, eventID: nil, setBy: nil, setAt: nil)))
    }

    /// The policy in force: the last `policy.set` folded in, else the deployment's default.
    public var policyInForce: PolicyInForce { state.withLock { $0.policy } }

    /// The quarters whose figures a supervisor has sealed.
    public var sealedQuarters: Set<Quarter> { state.withLock { $0.sealed } }

    /// Whether the conversation's content was erased whole (new content for it is refused), as far as the fold knows.
    public func isErased(_ conversation: ConversationID) -> Bool { state.withLock { $0.erased.contains(conversation) } }

    /// Whether the conversation's content was erased whole. Until the fold has first reached the
    /// head (a relay just started on a long log), its own stream is read to say, so that a chat
    /// erased before the restart is never reopened in that window.
    public func isErasedChecked(_ conversation: ConversationID) async throws(EventLogError) -> Bool {
        let (erased, caughtUp) = state.withLock { ($0.erased.contains(conversation), $0.caughtUp) }
        if erased || caughtUp { return erased }
        startFirstFold()
        let stream = try StreamName(conversation.streamName)
        var version: UInt64 = 0
        while true {
            let batch = try await store.readStream(stream, fromVersion: version, maxCount: 1024)
            guard let last = batch.last else { return false }
            for record in batch where record.type.value == EventKind.erasureRequested.name || record.type.value == EventKind.contentErased.name {
                guard !record.isRedacted, let event = try? Event(previouslyVerifiedBytes: record.payload) else { continue }
                if event.kind == .erasureRequested { return true }
                if let erasedRecord = try? ContentErased(content: event.content), erasedRecord.rule.erasesWholeConversation { return true }
            }
            version = last.streamVersion + 1
        }
    }

    // MARK: Folding the log

    /// Folds every record stored since the last call.
    public func catchUp() async throws(EventLogError) {
        await lock()
        defer { unlock() }
        try await foldNew()
    }

    /// As `catchUp`, unless a sweep holds the fold longer than `limit`: then it returns having done
    /// nothing (the sweep folds what is new itself, and the service folds every minute).
    public func catchUp(waitingAtMost limit: Duration) async throws(EventLogError) {
        guard await lock(waitingAtMost: limit) else { return }
        defer { unlock() }
        try await foldNew()
    }

    private func foldNew() async throws(EventLogError) {
        while true {
            let from = state.withLock { $0.next }
            let batch = try await store.read(from: from, maxCount: 2048)
            guard let last = batch.last else {
                state.withLock { $0.caughtUp = true }
                return
            }
            state.withLock { state in
                for record in batch { Self.fold(record, into: &state) }
                state.next = last.position + 1
            }
        }
    }

    static func fold(_ record: RecordedEvent, into state: inout State) {
        guard let kind = EventKind(name: record.type.value) else { return }
        let stream = record.stream.value
        func event() -> Event? { record.isRedacted ? nil : try? Event(previouslyVerifiedBytes: record.payload) }
        switch stream {
        case "policy":
            guard kind == .policySet, let event = event(), let policy = try? RetentionPolicy(content: event.content) else { return }
            state.policy = PolicyInForce(policy: policy, eventID: event.id, setBy: KeyID(event.author), setAt: record.timeMilliseconds)
        case "reports":
            guard kind == .figuresSealed, let event = event(), let sealed = try? SealedFigures(content: event.content) else { return }
            state.sealed.insert(sealed.quarter)
        case "alerts":
            if kind == .alertPublished, !record.isRedacted { state.alerts[record.position] = record.timeMilliseconds }
            if kind == .erasureRequested, let event = event(), let request = try? ErasureRequest(content: event.content),
               let position = request.alert, state.alerts[position] != nil {
                state.withdrawals[position] = event.id
            }
            if kind == .contentErased, let event = event(), let erased = try? ContentErased(content: event.content) {
                for entry in erased.entries {
                    state.alerts[entry.position] = nil
                    state.withdrawals[entry.position] = nil
                }
            }
        default:
            guard stream.hasPrefix("conv:"), let id = try? ConversationID(base64URL: String(stream.dropFirst(5))) else { return }
            if kind == .conversationOpened {
                state.conversations[id] = Tracked(firstTime: record.timeMilliseconds, lastTime: record.timeMilliseconds,
                                                  lastPosition: record.position)
                return
            }
            guard var tracked = state.conversations[id] else { return }
            switch kind {
            case .erasureRequested:
                guard let event = event(), let request = try? ErasureRequest(content: event.content) else { return }
                tracked.request = (request.reason == .visitorRequest ? .visitorRequest : .supervisorOrder, event.id)
                state.erased.insert(id)
            case .contentErased:
                guard let event = event(), let erased = try? ContentErased(content: event.content),
                      let through = erased.entries.map(\.position).max() else { return }
                if erased.rule.erasesWholeConversation {
                    tracked.wholeThrough = max(tracked.wholeThrough ?? 0, through)
                    state.erased.insert(id)
                } else {
                    tracked.messagesThrough = max(tracked.messagesThrough ?? 0, through)
                }
            default:
                // Sharing keys (a grant to a new colleague, a transfer's keys) or re-keying when someone
                // leaves is not activity: it must not restart every conversation's retention time.
                if kind != .keyWrapped && kind != .keyRotated { tracked.lastTime = record.timeMilliseconds }
                tracked.lastPosition = record.position
                if incidentKinds.contains(kind) { tracked.hasIncident = true }
            }
            state.conversations[id] = tracked
        }
    }

    /// Folds the whole log once in the background, so that reading a conversation's stream to answer
    /// `isErasedChecked` lasts only until then (the retention service does the same when it runs;
    /// a relay run without it, in tests and benchmarks, must not read a stream for every append).
    private func startFirstFold() {
        let start = firstFoldStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard start else { return }
        Task.detached { [self] in
            do { try await catchUp() } catch {
                // Tried again by the retention service's next turn, or by the next question after a restart.
                firstFoldStarted.withLock { $0 = false }
            }
        }
    }

    // MARK: Erasing

    /// Erases a conversation whole at once because `request` (an `erasure.requested` just stored) asks for it.
    public func eraseRequested(_ conversation: ConversationID, request: Event) async throws(EventLogError) -> Int {
        let reason = (try? ErasureRequest(content: request.content))?.reason ?? .visitorRequest
        let rule: ContentErased.Rule = reason == .visitorRequest ? .visitorRequest : .supervisorOrder
        state.withLock { state in
            state.erased.insert(conversation)
            state.conversations[conversation]?.request = (rule, request.id)
        }
        var report = SweepReport()
        try await erase(conversation, scope: .whole, rule: rule, reference: request.id, days: 0, report: &report)
        return report.eventsErased
    }

    /// Erases an event that reached a conversation after it was erased whole: an append checked just
    /// before the erasure began and stored while it ran (a staff reply crossing the visitor's "Delete
    /// this chat"). It is listed in a record of its own under the same request or rule as the erasure
    /// it missed, then zeroed. Returns how many events it erased (0 when the conversation is not
    /// erased whole, or the event was zeroed already: the erasure's own read found it).
    public func eraseLateArrival(at position: UInt64, in conversation: ConversationID) async throws(EventLogError) -> Int {
        let (erased, tracked, policy) = state.withLock { ($0.erased.contains(conversation), $0.conversations[conversation], $0.policy) }
        guard erased else { return 0 }
        let stream = try StreamName(conversation.streamName)
        guard let record = try await store.read(from: position, maxCount: 1).first, record.position == position,
              record.stream == stream, !record.isRedacted else { return 0 }
        let rule = tracked?.request?.rule ?? .retentionConversation
        let reference = tracked?.request?.reference ?? policy.eventID ?? [UInt8](repeating: 0, count: 16)
        var report = SweepReport()
        try await self.record([record], in: conversation, stream: stream, rule: rule, reference: reference,
                              days: tracked?.request == nil ? policy.policy.messagesDays : 0, report: &report)
        return report.eventsErased
    }

    /// Erases one alert of the feed at once because a supervisor withdrew it (`request`, an
    /// `erasure.requested` in the alert feed just stored); 0 when it was erased already.
    public func eraseAlert(at position: UInt64, request: Event) async throws(EventLogError) -> Int {
        var report = SweepReport()
        try await withdraw(alertAt: position, order: request.id, report: &report)
        return report.eventsErased
    }

    /// Records and zeroes the alert at `position` under a supervisor's `order`; a position that is no
    /// alert of the feed, or one erased already, is only forgotten as a pending withdrawal.
    private func withdraw(alertAt position: UInt64, order: [UInt8], report: inout SweepReport) async throws(EventLogError) {
        defer {
            state.withLock { state in
                state.alerts[position] = nil
                state.withdrawals[position] = nil
            }
        }
        guard let record = try await store.read(from: position, maxCount: 1).first, record.position == position,
              record.stream.value == ConversationID.alertFeed.streamName, record.type.value == EventKind.alertPublished.name,
              !record.isRedacted else { return }
        let before = report.eventsErased
        try await self.record([record], in: .alertFeed, stream: try StreamName(ConversationID.alertFeed.streamName), rule: .supervisorOrder,
                              reference: order, days: 0, report: &report)
        report.alertsErased += report.eventsErased - before
    }

    /// Folds what is new, then erases what the policy in force says has expired at `now` (and what a
    /// request asked for that an interrupted erasure left behind).
    public func sweep(now: UInt64? = nil) async throws(EventLogError) -> SweepReport {
        await lock()
        defer { unlock() }
        try await foldNew()
        let now = now ?? clock()
        var report = SweepReport()
        let (jobs, alerts, policy) = state.withLock { state in
            Self.plan(state, now: now, report: &report)
        }
        // Withdrawals a crash left without their record.
        for (position, order) in state.withLock({ $0.withdrawals }).sorted(by: { $0.key < $1.key }) {
            try await withdraw(alertAt: position, order: order, report: &report)
        }
        for job in jobs {
            try await erase(job.conversation, scope: job.scope, rule: job.rule, reference: job.reference, days: job.days, report: &report)
        }
        if !alerts.isEmpty {
            try await eraseAlerts(alerts, policy: policy, report: &report)
        }
        if report.records > 0 || report.waiting > 0 {
            logger.notice("retention sweep", metadata: [
                "events-erased": "\(report.eventsErased)", "conversations-erased": "\(report.conversationsErased)",
                "conversations-trimmed": "\(report.conversationsTrimmed)", "alerts-erased": "\(report.alertsErased)",
                "waiting-for-sealed-figures": "\(report.waiting)",
                "quarters-to-seal": "\(report.waitingForQuarters.sorted().map(\.description).joined(separator: " "))",
            ])
        }
        return report
    }

    struct Job {
        let conversation: ConversationID
        let scope: Scope
        let rule: ContentErased.Rule
        let reference: [UInt8]
        let days: Int
    }

    static func plan(_ state: State, now: UInt64, report: inout SweepReport) -> ([Job], [UInt64], PolicyInForce) {
        let policy = state.policy.policy
        let reference = state.policy.eventID ?? [UInt8](repeating: 0, count: 16)
        var jobs: [Job] = []
        func missing(from first: UInt64, to last: UInt64) -> Set<Quarter> {
            guard var quarter = Quarter(containing: first), let end = Quarter(containing: last) else { return [] }
            var missing: Set<Quarter> = []
            while quarter <= end {
                if !state.sealed.contains(quarter) { missing.insert(quarter) }
                guard let next = quarter.next else { break }
                quarter = next
            }
            return missing
        }
        for (id, tracked) in state.conversations {
            let wholeDone = tracked.wholeThrough.map { $0 >= tracked.lastPosition } ?? false
            if let request = tracked.request {
                if !wholeDone { jobs.append(Job(conversation: id, scope: .whole, rule: request.rule, reference: request.reference, days: 0)) }
                continue
            }
            guard !wholeDone else { continue }
            let age = now > tracked.lastTime ? now - tracked.lastTime : 0
            guard age >= UInt64(policy.messagesDays) * day else { continue }
            let unsealed = missing(from: tracked.firstTime, to: tracked.lastTime)
            guard unsealed.isEmpty else {
                report.waiting += 1
                report.waitingForQuarters.formUnion(unsealed)
                continue
            }
            if !tracked.hasIncident {
                jobs.append(Job(conversation: id, scope: .whole, rule: .retentionConversation, reference: reference, days: policy.messagesDays))
            } else if age >= UInt64(policy.incidentsDays) * day {
                jobs.append(Job(conversation: id, scope: .whole, rule: .retentionConversation, reference: reference, days: policy.incidentsDays))
            } else if !(tracked.messagesThrough.map { $0 >= tracked.lastPosition } ?? false) {
                jobs.append(Job(conversation: id, scope: .messages, rule: .retentionMessages, reference: reference, days: policy.messagesDays))
            }
        }
        var alerts: [UInt64] = []
        for (position, time) in state.alerts where now > time && now - time >= UInt64(policy.alertsDays) * day {
            if let quarter = Quarter(containing: time), !state.sealed.contains(quarter) {
                report.waiting += 1
                report.waitingForQuarters.insert(quarter)
                continue
            }
            alerts.append(position)
        }
        return (jobs.sorted { $0.conversation.bytes.lexicographicallyPrecedes($1.conversation.bytes) }, alerts.sorted(), state.policy)
    }

    private func erase(_ conversation: ConversationID, scope: Scope, rule: ContentErased.Rule, reference: [UInt8], days: Int,
                       report: inout SweepReport) async throws(EventLogError) {
        let stream = try StreamName(conversation.streamName)
        var records: [RecordedEvent] = []
        while true {
            let batch = try await store.readStream(stream, fromVersion: UInt64(records.count), maxCount: 1024)
            guard !batch.isEmpty else { break }
            records += batch
        }
        guard let through = records.last?.position else { return }
        let targets = records.filter { record in
            guard !record.isRedacted, let kind = EventKind(name: record.type.value) else { return false }
            return scope.contains(kind)
        }
        if !targets.isEmpty {
            try await record(targets, in: conversation, stream: stream, rule: rule, reference: reference, days: days, report: &report)
            if scope == .whole { report.conversationsErased += 1 } else { report.conversationsTrimmed += 1 }
        }
        state.withLock { state in
            switch scope {
            case .whole:
                state.conversations[conversation]?.wholeThrough = through
                state.erased.insert(conversation)
            case .messages:
                state.conversations[conversation]?.messagesThrough = through
            case .alerts:
                break
            }
        }
    }

    private func eraseAlerts(_ positions: [UInt64], policy: PolicyInForce, report: inout SweepReport) async throws(EventLogError) {
        var targets: [RecordedEvent] = []
        for position in positions {
            guard let record = try await store.read(from: position, maxCount: 1).first, record.position == position,
                  record.type.value == EventKind.alertPublished.name, !record.isRedacted else {
                state.withLock { _ = $0.alerts.removeValue(forKey: position) }
                continue
            }
            targets.append(record)
        }
        guard !targets.isEmpty else { return }
        try await record(targets, in: .alertFeed, stream: try StreamName(ConversationID.alertFeed.streamName), rule: .retentionAlert,
                         reference: policy.eventID ?? [UInt8](repeating: 0, count: 16), days: policy.policy.alertsDays, report: &report)
        report.alertsErased += targets.count
        state.withLock { state in for record in targets { state.alerts[record.position] = nil } }
    }

    /// Appends the erasure records for `targets` (one per `ContentErased.maximumEntries`), then redacts each.
    private func record(_ targets: [RecordedEvent], in conversation: ConversationID, stream: StreamName, rule: ContentErased.Rule,
                        reference: [UInt8], days: Int, report: inout SweepReport) async throws(EventLogError) {
        let minute: UInt64 = 60_000
        for start in stride(from: 0, to: targets.count, by: ContentErased.maximumEntries) {
            let chunk = targets[start..<min(start + ContentErased.maximumEntries, targets.count)]
            let entries = chunk.map { record in
                // Who wrote it, read from the event before its payload goes: the visitor's key derives the conversation id.
                let author = (try? Event(previouslyVerifiedBytes: record.payload))?.author
                return ContentErased.Entry(position: record.position, kind: EventKind(name: record.type.value)!,
                                           timeMilliseconds: record.timeMilliseconds, author: try! KeyID(bytes: record.author.bytes),
                                           byVisitor: author.map { ConversationID(visitor: $0) == conversation } ?? false)
            }
            let erased = try! ContentErased(rule: rule, reference: reference, days: days, entries: entries)  // 1…maximumEntries entries
            let content = erased.content
            let id = ContentErased.eventID(conversation: conversation, content: content)
            let time = clock() / minute * minute
            let event = try! Event(kind: .contentErased, id: id, conversation: conversation, clientTimeMilliseconds: time,
                                   content: content, signer: relayKey)
            let proposed = ProposedEvent(id: try! EventID(id), type: try! EventType(EventKind.contentErased.name),
                                         author: KeyID(relayKey.publicKey).authorID, timeMilliseconds: time, payload: event.bytes)
            do {
                _ = try await store.append(to: stream, expectedVersion: .any, events: [proposed])
            } catch where error.code == .duplicateEventConflict {
                // The same list recorded before (by this relay at another minute, or by another relay): it stands.
            }
            report.records += 1
            for record in chunk where try await store.redact(position: record.position) { report.eventsErased += 1 }
        }
    }

    // MARK: One at a time

    private func lock() async {
        _ = await lock(waitingAtMost: nil)
    }

    /// Takes the fold; false when `limit` passed first.
    private func lock(waitingAtMost limit: Duration?) async -> Bool {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while !busy.withLock({ busy in busy ? false : { busy = true; return true }() }) {
            if let deadline, ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    private func unlock() { busy.withLock { $0 = false } }
}
