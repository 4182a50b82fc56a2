public import EventLog
import Foundation
public import Logging
public import NetreachCore
public import Sodium
package import Synchronization

/// Who a connection authenticated as.
public enum Identity: Sendable, Equatable {
    case visitor(key: SigningPublicKey, conversation: ConversationID)
    case staff(StaffMember)

    public var signingKey: SigningPublicKey {
        switch self {
        case .visitor(let key, _): key
        case .staff(let member): member.signKey
        }
    }
}

/// Everything the relay decides, independent of the transport: authentication, what may be
/// appended by whom, how it is stored, and what each client may see (docs/PROTOCOL.md).
public final class RelayCore: Sendable {
    /// The log, through the `EventStore` protocol only (docs/RELAY.md, "Threads").
    public let store: any EventStore
    public let relayKey: SigningKeyPair
    public let powBits: Int
    /// How long a hello's challenge stays valid.
    public let challengeLifetime: Duration
    /// Conversation opens per network address per hour (in memory, keyed by a rotating secret).
    public let addressLimiter: AddressLimiter
    /// Requests one connection may make in a burst, and per second after it.
    public let requestBurst: Double
    public let requestsPerSecond: Double
    /// What the relay counts (served at `/metrics`).
    public let metrics: RelayMetrics
    /// Erasure on request and by the retention policy (docs/PRIVACY.md).
    public let retention: RetentionEngine
    /// The staff's period keys, from the log's `keys` feed (docs/KEYS.md, "Period keys").
    public let periodKeys = PeriodKeyBook()
    /// The clock of rate windows (the address limiter, each connection's request budget); tests move it by hand.
    public let now: @Sendable () -> ContinuousClock.Instant
    private let directory: Mutex<any StaffDirectory>
    /// Sessions in memory (made and not yet freed): a closed connection must leave none behind.
    package let sessionsAlive = Atomic<Int>(0)
    /// Authenticated staff sessions, so that a revocation reaches connections that are open and idle.
    private let staffSessions = Mutex<[ObjectIdentifier: RelaySession]>([:])
    let clock: @Sendable () -> UInt64
    /// Says when the log refuses appends (a full disk, a failed write), at most once per
    /// `storageFaultLogInterval`: a full disk must not also fill the log it would be written to.
    private let logger: Logger
    private let storageFaultLog = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))
    static let storageFaultLogInterval = Duration.seconds(10)

    public init(store: any EventStore, relayKey: SigningKeyPair, directory: any StaffDirectory, powBits: Int = 16,
                challengeLifetime: Duration = .seconds(60), opensPerAddressPerHour: Int = 30,
                requestBurst: Double = 60, requestsPerSecond: Double = 30, clock: (@Sendable () -> UInt64)? = nil,
                metrics: RelayMetrics = RelayMetrics(), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                retentionDefault: RetentionPolicy = .standard,
                logger: Logger = Logger(label: "netreach.relay", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.store = store
        self.relayKey = relayKey
        self.powBits = powBits
        self.challengeLifetime = challengeLifetime
        addressLimiter = AddressLimiter(limit: opensPerAddressPerHour, now: now)
        self.metrics = metrics
        self.now = now
        self.requestBurst = requestBurst
        self.requestsPerSecond = requestsPerSecond
        self.directory = Mutex(directory)
        let clock = clock ?? { UInt64(Date().timeIntervalSince1970 * 1000) }
        self.clock = clock
        self.logger = logger
        retention = RetentionEngine(store: store, relayKey: relayKey, defaultPolicy: retentionDefault, clock: clock, logger: logger)
    }

    public var staffDirectory: any StaffDirectory { directory.withLock { $0 } }

    /// Swaps in a new keyring. Enrolments take effect for new connections; a revoked key's open
    /// connections are told `revokedKey` and closed before this returns.
    public func replaceDirectory(_ new: any StaffDirectory) async {
        directory.withLock { $0 = new }
        let sessions = staffSessions.withLock { Array($0.values) }
        for session in sessions {
            if let identity = session.identity, !stillAllowed(identity) { await session.endRevoked() }
        }
    }

    func register(_ session: RelaySession) { staffSessions.withLock { $0[ObjectIdentifier(session)] = session } }
    func unregister(_ session: RelaySession) { staffSessions.withLock { $0[ObjectIdentifier(session)] = nil } }

    // MARK: Authentication

    public func authenticate(role: AuthProof.Role, key: SigningPublicKey, signature: Signature,
                             challenge: [UInt8]) throws(ProtocolError) -> Identity {
        guard key.isValidSignature(signature, for: AuthProof.signedInput(challenge: challenge, relay: relayKey.publicKey, role: role))
        else { throw ProtocolError(.badChallenge, "the signature is not over this connection's challenge") }
        switch role {
        case .visitor:
            return .visitor(key: key, conversation: ConversationID(visitor: key))
        case .staff:
            let directory = staffDirectory
            if directory.isRevoked(key) { throw ProtocolError(.revokedKey, "this staff key has been revoked") }
            guard let member = directory.member(signingKey: key) else {
                throw ProtocolError(.unknownKey, "this key is not an enrolled staff key")
            }
            return .staff(member)
        }
    }

    /// Whether the identity is still allowed (a staff key may have been revoked since it authenticated).
    public func stillAllowed(_ identity: Identity) -> Bool {
        guard case .staff(let member) = identity else { return true }
        let directory = staffDirectory
        return !directory.isRevoked(member.signKey) && directory.member(signingKey: member.signKey) != nil
    }

    /// Whether the conversation has been opened; `unavailable` (or `damaged`) when the log cannot be
    /// read — never a "no" the relay does not know (a visitor told its conversation does not exist
    /// would start another).
    public func conversationExists(_ conversation: ConversationID) async throws(ProtocolError) -> Bool {
        let name = try stream(of: conversation)
        do {
            return try await store.streamVersion(name) != nil
        } catch {
            throw readFailure(error)
        }
    }

    // MARK: Appending

    /// Opens the visitor's conversation: the cheap checks (who, which kind, layout, then the proof of
    /// work, one hash), then the signature, then `conversation.opened` is appended as its first event.
    public func open(_ event: UnverifiedEvent, pow: [UInt8], challenge: [UInt8], by identity: Identity) async throws(ProtocolError) -> AppendResult {
        guard event.kind == .conversationOpened else { throw ProtocolError(.malformed, "open carries a conversation.opened event") }
        try authorise(event, by: identity)
        try RelayCore.validateContent(event)
        try await checkRecipients(event)
        guard ProofOfWork.isValid(nonce: pow, challenge: challenge, conversation: event.conversation, bits: powBits) else {
            throw ProtocolError(.powRequired, "the proof of work does not meet \(powBits) bits for this connection")
        }
        return try await persist(try verify(event), expect: nil)
    }

    /// Validates `event` for `identity` and appends it; returns once it is durable. Everything that
    /// costs little (who sends it, its kind and conversation, its layout and sizes) is checked
    /// before its signature: a request refused by one of those never costs a signature check.
    public func append(_ event: UnverifiedEvent, expect: UInt64?, by identity: Identity) async throws(ProtocolError) -> AppendResult {
        try authorise(event, by: identity)
        // Only `open` starts a conversation: it carries the proof of work and counts against the address limit.
        guard event.kind != .conversationOpened else {
            throw ProtocolError(.malformed, "conversation.opened is sent with open (and a proof of work), not append")
        }
        try RelayCore.validateContent(event)
        try RelayCore.checkReason(event, by: identity)
        try await checkRecipients(event)
        if event.kind == .keyPeriod { try await checkPeriodKey(event) }
        if event.kind == .keyRotated { try await checkRotation(event) }
        if event.kind == .figuresSealed, let sealed = try? SealedFigures(content: event.content), sealed.quarter.end > clock() {
            // Sealed early, a quarter's figures would miss its last weeks, and its content could then expire uncounted.
            throw ProtocolError(.forbidden, "\(sealed.quarter) is not over yet (by the relay's clock): its figures are sealed once it has ended")
        }
        if event.kind == .erasureRequested, event.conversation == .alertFeed,
           let position = (try? ErasureRequest(content: event.content))?.alert {
            try await checkAlert(at: position)
        }
        let verified = try verify(event)
        if verified.kind != .erasureRequested, !verified.conversation.isFeed, try await erased(verified.conversation) {
            throw ProtocolError(.erased, "this conversation's content was erased (docs/PRIVACY.md): nothing more can be added to it")
        }
        let result = try await persist(verified, expect: expect)
        try await afterStoring(verified)
        if verified.kind != .erasureRequested, !verified.conversation.isFeed, retention.isErased(verified.conversation) {
            // Checked before the conversation's erasure began, stored while it ran: erased with it, and not acknowledged.
            do {
                let erased = try await retention.eraseLateArrival(at: result.lastPosition, in: verified.conversation)
                logger.notice("erased an event stored during its conversation's erasure",
                              metadata: ["conversation": "\(verified.conversation)", "events": "\(erased)"])
            } catch {
                logger.error("an event stored during its conversation's erasure is not erased yet",
                             metadata: ["conversation": "\(verified.conversation)", "error": "\(error)"])
                throw ProtocolError(.unavailable, "the conversation is being erased; this event is stored and is erased by the next sweep")
            }
            throw ProtocolError(.erased, "this conversation's content was erased (docs/PRIVACY.md): nothing more can be added to it")
        }
        return result
    }

    /// A period key (docs/KEYS.md, "Period keys") is for a period not yet over and not more than
    /// its length ahead; its X25519 key is new (not the author's enrolled key, not another period
    /// key), and its period overlaps none of the author's other period keys, so that one key is in
    /// force for a member at any moment. The same event again is let through: a retry.
    private func checkPeriodKey(_ event: UnverifiedEvent) async throws(ProtocolError) {
        let key = try PeriodKey(content: event.content)
        let now = clock()
        guard key.end > now else { throw ProtocolError(.forbidden, "this period key's period is over (\(key.periodText))") }
        guard key.start <= now + PeriodKey.maximumMilliseconds else {
            throw ProtocolError(.forbidden, "this period key starts more than 400 days from now (\(key.periodText))")
        }
        if staffDirectory.member(signingKey: event.author)?.boxKey == key.boxKey {
            throw ProtocolError(.forbidden, "a period key must be a new X25519 key, not the enrolled one")
        }
        do { try await periodKeys.refresh(from: store) } catch { throw readFailure(error) }
        for entry in periodKeys.entries {
            if entry.event == event.bytes { return }
            if entry.key.boxKey == key.boxKey { throw ProtocolError(.forbidden, "this X25519 key is already published as a period key") }
            if entry.author == event.author, entry.key.start < key.end, key.start < entry.key.end {
                throw ProtocolError(.forbidden, "this period (\(key.periodText)) overlaps your period key for \(entry.key.periodText)")
            }
        }
    }

    /// A new conversation key (purpose 1) goes to the visitor too, or the visitor could neither
    /// read what staff write with it nor write with it: its wraps include the visitor's key id,
    /// the author of the conversation's opening. (Who else it goes to is `checkRecipients`.)
    private func checkRotation(_ event: UnverifiedEvent) async throws(ProtocolError) {
        let rotated = try KeyRotated(content: event.content)
        guard rotated.purpose == .conversationKey else { return }
        let opening: RecordedEvent?
        do { opening = try await store.readStream(try stream(of: event.conversation), fromVersion: 0, maxCount: 1).first } catch {
            throw readFailure(error)
        }
        guard let opening else { throw ProtocolError(.noSuchConversation, "conversation \(event.conversation) was never opened") }
        guard let opened = try? UnverifiedEvent(bytes: opening.payload), opened.kind == .conversationOpened else {
            throw ProtocolError(.erased, "this conversation's opening was erased (docs/PRIVACY.md): nothing more can be added to it")
        }
        let visitor = KeyID(opened.author).bytes
        guard rotated.wraps.contains(where: { $0.recipient == visitor }) else {
            throw ProtocolError(.malformed, "a new conversation key must be wrapped to the visitor too (the author of the "
                                + "conversation's opening), or the visitor could not read what follows")
        }
    }

    /// The document of `GET /v1/keyring`: the keyring's files, and the period keys of active staff
    /// whose period is not over, as their signed events (base64url), for clients to verify themselves.
    public func keyringDocument() async -> [String: any Sendable] {
        var document = staffDirectory.keyringDocument
        // This relay's own period keys are read as it stores them; another relay's within ten seconds.
        try? await periodKeys.refresh(from: store, unlessReadWithin: .seconds(10))
        let directory = staffDirectory, now = clock()
        document["periods"] = periodKeys.entries.filter { entry in
            directory.member(signingKey: entry.author) != nil && entry.key.end > now
        }.map { Base64URL.encode($0.event) }
        return document
    }

    /// A withdrawal names an alert of the feed (one erased already is let through: a retry).
    private func checkAlert(at position: UInt64) async throws(ProtocolError) {
        let record: RecordedEvent?
        do { record = try await store.read(from: position, maxCount: 1).first } catch { throw readFailure(error) }
        guard let record, record.position == position, record.stream.value == RelayCore.alertStream,
              record.type.value == EventKind.alertPublished.name else {
            throw ProtocolError(.malformed, "position \(position) is not an alert of the feed: nothing was withdrawn")
        }
    }

    /// Whether the conversation was erased whole; a log that cannot be read says `unavailable`.
    func erased(_ conversation: ConversationID) async throws(ProtocolError) -> Bool {
        do { return try await retention.isErasedChecked(conversation) } catch { throw readFailure(error) }
    }

    /// What follows storing a policy, sealed figures or an erasure request: the retention engine
    /// learns of it, and a requested erasure is done before the request is acknowledged.
    private func afterStoring(_ event: Event) async throws(ProtocolError) {
        if event.kind == .keyPeriod {
            // Stored: the book reads it now, so that the keyring serves it and wraps to it are taken at once.
            try? await periodKeys.refresh(from: store)
            return
        }
        guard [.policySet, .figuresSealed, .erasureRequested].contains(event.kind) else { return }
        do {
            // An erasure does not wait for a sweep that may be running: it reads its conversation itself.
            if event.kind != .erasureRequested { try await retention.catchUp(waitingAtMost: .seconds(2)) }
            if event.kind == .erasureRequested, event.conversation == .alertFeed,
               let position = (try? ErasureRequest(content: event.content))?.alert {
                let erased = try await retention.eraseAlert(at: position, request: event)
                logger.notice("alert withdrawn", metadata: ["position": "\(position)", "events": "\(erased)"])
            } else if event.kind == .erasureRequested {
                let erased = try await retention.eraseRequested(event.conversation, request: event)
                logger.notice("conversation erased on request", metadata: ["conversation": "\(event.conversation)", "events": "\(erased)"])
            }
        } catch {
            // The request is stored: its retry is acknowledged as a duplicate and erases again, and the next sweep finishes it anyway.
            logger.error("erasure on request not finished", metadata: ["conversation": "\(event.conversation)", "error": "\(error)"])
            throw ProtocolError(.unavailable, "the request is stored but the erasure did not finish; send it again")
        }
    }

    /// `checkRecipients` with this relay's keyring and period keys, read again first when a wrap
    /// names a key the book does not hold (another relay may have stored it).
    private func checkRecipients(_ event: UnverifiedEvent) async throws(ProtocolError) {
        let directory = staffDirectory
        let recipients = RelayCore.recipients(of: event)
        guard !recipients.isEmpty else { return }
        let own = KeyID(event.author).bytes
        if recipients.contains(where: { $0 != own && !directory.isActive(keyID: $0) && directory.revokedName(keyID: $0) == nil
                                        && periodKeys.entry(keyID: $0) == nil }) {
            do { try await periodKeys.refresh(from: store) } catch { throw readFailure(error) }
        }
        try RelayCore.checkRecipients(event, directory: directory, periods: periodKeys, now: clock())
    }

    /// The key ids an opening or a `key.wrapped` wraps to; none for other kinds or unreadable content.
    static func recipients(of event: UnverifiedEvent) -> [[UInt8]] {
        switch event.kind {
        case .conversationOpened: (try? ConversationOpened(content: event.content))?.wraps.map(\.recipient) ?? []
        case .keyWrapped: (try? KeyWrapped(content: event.content))?.wraps.map(\.recipient) ?? []
        case .keyRotated: (try? KeyRotated(content: event.content))?.wraps.map(\.recipient) ?? []
        default: []
        }
    }

    /// Keys go only to staff who may read them (docs/PROTOCOL.md, "Who may append what"): no wrap to
    /// a revoked staff key or to a revoked member's period key, none to a period key whose period
    /// is over, and an opening wraps the conversation key to at least one active key (a member's
    /// enrolled key, or their period key in force). Clients enforce this too; the relay does, so
    /// that a client with a stale keyring, or a departed worker's colleague by mistake, cannot hand
    /// a conversation to a revoked key.
    static func checkRecipients(_ event: UnverifiedEvent, directory: any StaffDirectory, periods: PeriodKeyBook? = nil,
                                now: UInt64 = 0) throws(ProtocolError) {
        guard [.conversationOpened, .keyWrapped, .keyRotated].contains(event.kind) else { return }
        let recipients = recipients(of: event)
        var active = false
        for recipient in recipients {
            if let name = directory.revokedName(keyID: recipient) {
                throw ProtocolError(.forbidden, "a key is wrapped to \(name)'s key, which the organisation revoked: fetch the keyring "
                                    + "again (GET /v1/keyring) and wrap to its active staff only")
            }
            if directory.isActive(keyID: recipient) { active = true }
            guard let period = periods?.entry(keyID: recipient) else { continue }
            let authorID = KeyID(period.author).bytes
            if let name = directory.revokedName(keyID: authorID) {
                throw ProtocolError(.forbidden, "a key is wrapped to \(name)'s period key, and the organisation revoked \(name)'s key: "
                                    + "fetch the keyring again (GET /v1/keyring) and wrap to its active staff only")
            }
            guard period.key.end + PeriodKey.slackMilliseconds > now else {
                throw ProtocolError(.forbidden, "a key is wrapped to a period key whose period ended (\(period.key.periodText)): fetch "
                                    + "the keyring again (GET /v1/keyring) and wrap to the keys in force")
            }
            if directory.isActive(keyID: authorID), period.key.start <= now + PeriodKey.slackMilliseconds { active = true }
        }
        if event.kind == .conversationOpened || event.kind == .keyRotated, !active {
            throw ProtocolError(.forbidden, "\(event.kind.name) wraps its key to no active staff key: nobody could read the chat; "
                                + "fetch the keyring again (GET /v1/keyring)")
        }
    }

    /// An erasure request's reason must be its author's to give: `visitor-request` for the
    /// visitor, any other for a supervisor.
    static func checkReason(_ event: UnverifiedEvent, by identity: Identity) throws(ProtocolError) {
        guard event.kind == .erasureRequested else { return }
        let request: ErasureRequest
        do { request = try ErasureRequest(content: event.content) } catch {
            throw ProtocolError(.malformed, "the erasure request does not read: \(error.message)")
        }
        let reason = request.reason
        guard (request.alert != nil) == (event.conversation == .alertFeed) else {
            throw ProtocolError(.malformed, event.conversation == .alertFeed ? "a withdrawal in the alert feed names the alert (its position)"
                                                                          : "an erasure request for a conversation names no alert")
        }
        switch identity {
        case .visitor:
            guard reason == .visitorRequest else { throw ProtocolError(.forbidden, "a visitor's erasure request gives the reason visitor-request") }
        case .staff:
            guard reason != .visitorRequest else {
                throw ProtocolError(.forbidden, "visitor-request is the visitor's own reason; a supervisor's order gives another")
            }
        }
    }

    private func verify(_ event: UnverifiedEvent) throws(ProtocolError) -> Event {
        metrics.eventSignatureChecks.increment()
        return try event.verified()
    }

    private func persist(_ event: Event, expect: UInt64?) async throws(ProtocolError) -> AppendResult {
        let stream = try stream(of: event.conversation)
        let expected: ExpectedVersion
        if event.kind == .conversationOpened {
            guard expect == nil || expect == 0 else { throw ProtocolError(.malformed, "conversation.opened is always the first event") }
            expected = .noStream
        } else {
            // Every conversation starts with its opening; the alert feed starts with its first alert.
            // A log that cannot be read is `unavailable`, not "never opened".
            let exists: Bool
            if event.conversation.isFeed {
                exists = true
            } else {
                do { exists = try await store.streamVersion(stream) != nil } catch { throw readFailure(error) }
            }
            guard exists else {
                throw ProtocolError(.noSuchConversation, "conversation \(event.conversation) was never opened")
            }
            expected = expect.map { .exact($0) } ?? .any
        }
        let minute: UInt64 = 60_000
        let stored = ProposedEvent(id: try! EventID(event.id), type: try! EventType(event.kind.name),
                                   author: KeyID(event.author).authorID,
                                   timeMilliseconds: clock() / minute * minute, payload: event.bytes)
        let result: AppendResult
        do {
            result = try await store.append(to: stream, expectedVersion: expected, events: [stored])
        } catch {
            if [.noSpace, .ioError, .failed].contains(error.code) { logStorageFault(error) }
            if let damage = store.stoppedBecause, damage.code.isDamage {
                // `unavailable`, so that a client keeps the event and tries again once an operator has repaired the log.
                throw ProtocolError(.unavailable, "the relay's log is damaged (\(damage.code)): it stores nothing until an operator "
                                    + "repairs it; nothing was stored, retry later with the same event")
            }
            throw RelayCore.protocolError(for: error, kind: event.kind)
        }
        (result.wasAlreadyPresent ? metrics.eventsDuplicate : metrics.eventsAppended).increment()
        return result
    }

    private func logStorageFault(_ error: EventLogError) {
        let now = ContinuousClock.now
        let suppressed = storageFaultLog.withLock { state -> Int? in
            if let last = state.last, now - last < RelayCore.storageFaultLogInterval {
                state.suppressed += 1
                return nil
            }
            defer { state = (now, 0) }
            return state.suppressed
        }
        guard let suppressed else { return }
        let what = error.code == .noSpace ? "appends refused: the data directory is full; nothing of them was stored"
                                          : "appends refused: the event log cannot write"
        logger.error("\(what)", metadata: ["error": "\(error)", "alsoRefusedSinceLastLine": "\(suppressed)"])
    }

    private func authorise(_ event: UnverifiedEvent, by identity: Identity) throws(ProtocolError) {
        guard event.author == identity.signingKey else {
            throw ProtocolError(.forbidden, "the event is signed by another key than this connection's")
        }
        guard event.kind.author != .relay else {
            throw ProtocolError(.forbidden, "\(event.kind.name) is written by the relay itself, never by a client")
        }
        // Each feed holds its one kind, and those kinds go nowhere else.
        if let feed = ConversationID.feed(of: event.kind) {
            guard event.conversation == feed else {
                throw ProtocolError(.forbidden, "\(event.kind.name) goes to its feed's id (\(feed.streamName): 15 zero bytes and \(feed.bytes[15]))")
            }
        } else if event.conversation.isFeed && !(event.kind == .erasureRequested && event.conversation == .alertFeed) {
            let only = EventKind.allCases.first { ConversationID.feed(of: $0) == event.conversation }?.name ?? "its own kind"
            throw ProtocolError(.forbidden, "only \(only) "
                                + "goes to the \(event.conversation.streamName) feed")
        }
        switch identity {
        case .visitor(_, let conversation):
            guard event.kind.author != .staff else { throw ProtocolError(.forbidden, "\(event.kind.name) is for staff only") }
            guard event.conversation == conversation else {
                throw ProtocolError(.forbidden, "a visitor writes only to its own conversation")
            }
        case .staff(let member):
            guard event.kind.author != .visitor else { throw ProtocolError(.forbidden, "\(event.kind.name) is for the visitor only") }
            guard !event.kind.staffMustSupervise || member.role == StaffRole.supervisor.rawValue else {
                throw ProtocolError(.forbidden, "\(event.kind.name) is for supervisors only")
            }
        }
    }

    /// The content sizes of sealed text: nonce, tag and one padding bucket.
    private static let sealedSizes = Set(SealedText.buckets.map { Nonce.count + SecretBox.macCount + $0 })

    /// Checks each kind's content layout, so that nothing unparseable or unpadded is ever stored.
    static func validateContent(_ event: UnverifiedEvent) throws(ProtocolError) {
        switch event.kind {
        case .conversationOpened:
            let opened = try ConversationOpened(content: event.content)
            // Without a wrap to itself, a visitor who comes back with only the phrase could not read the history.
            let visitorKeyID = KeyID(event.author).bytes
            guard opened.wraps.contains(where: { $0.recipient == visitorKeyID }) else {
                throw ProtocolError(.malformed, "conversation.opened must wrap the conversation key to the visitor itself")
            }
        case .keyWrapped:
            _ = try KeyWrapped(content: event.content)
        case .alertPublished:
            do {
                _ = try SafetyAlert(content: event.content)
            } catch {
                throw ProtocolError(.malformed, "the alert does not have the alert layout: \(error.message)")
            }
        case .messagePosted, .conversationClosed, .noteAdded, .incidentReported, .consentChanged, .incidentShared, .feedbackGiven:
            guard sealedSizes.contains(event.content.count) else {
                throw ProtocolError(.malformed, "sealed text must be padded to a bucket (content of \(event.content.count) bytes)")
            }
        case .conversationTransferred:
            guard sealedSizes.contains(event.content.count - 16) else {
                throw ProtocolError(.malformed, "a transfer names a key id and carries padded sealed text")
            }
        case .conversationClaimed:
            guard event.content.isEmpty else { throw ProtocolError(.malformed, "conversation.claimed has no content") }
        case .erasureRequested:
            do { _ = try ErasureRequest(content: event.content) } catch {
                throw ProtocolError(.malformed, "the erasure request does not have its layout: \(error.message)")
            }
        case .policySet:
            do { _ = try RetentionPolicy(content: event.content) } catch {
                throw ProtocolError(.malformed, "the retention policy is refused: \(error.message)")
            }
        case .figuresSealed:
            do { _ = try SealedFigures(content: event.content) } catch {
                throw ProtocolError(.malformed, "the sealed figures do not have their layout: \(error.message)")
            }
        case .contentErased:
            throw ProtocolError(.forbidden, "content.erased is written by the relay itself")
        case .keyPeriod:
            _ = try PeriodKey(content: event.content)
        case .keyRotated:
            _ = try KeyRotated(content: event.content)
        }
    }

    /// The answer to a request whose read of the log failed: `damaged` when the log is damaged (the
    /// read found it, or the background check did and the store has stopped), else `unavailable`.
    func readFailure(_ error: any Error) -> ProtocolError {
        if let damage = (error as? EventLogError).flatMap({ $0.code.isDamage ? $0 : nil })
            ?? store.stoppedBecause.flatMap({ $0.code.isDamage ? $0 : nil }) {
            return ProtocolError(.damaged, "the relay's log is damaged (\(damage)); an operator must run 'netreach-relay log verify' "
                                 + "(docs/OPERATIONS.md)")
        }
        return ProtocolError(.unavailable, "the relay cannot read its log right now; retry later")
    }

    static func protocolError(for error: EventLogError, kind: EventKind) -> ProtocolError {
        switch error.code {
        case .wrongExpectedVersion:
            if kind == .conversationOpened { return ProtocolError(.conversationExists, "this conversation is already open") }
            return ProtocolError(.versionConflict, "the conversation is at version \(error.actualVersion.map(String.init) ?? "none")")
        case .duplicateEventConflict:
            return ProtocolError(.duplicateConflict, "this event id is already stored with other content")
        case .invalidEvent:
            return ProtocolError(.malformed, error.message)
        case .noSpace:
            return ProtocolError(.unavailable, "the relay's disk is full: nothing was stored; retry later with the same event")
        default:
            return ProtocolError(.unavailable, "the relay cannot store events right now; retry later")
        }
    }

    func stream(of conversation: ConversationID) throws(ProtocolError) -> StreamName {
        guard let name = try? StreamName(conversation.streamName) else { throw ProtocolError(.malformed, "bad conversation id") }
        return name
    }

    // MARK: Reading

    /// The stream of the organisation's public alert feed.
    public static let alertStream = ConversationID.alertFeed.streamName

    /// The alert feed, newest first: each stored `alert.published` event with its position.
    public func alerts(limit: Int = 500) async throws -> [(position: UInt64, event: [UInt8])] {
        guard let name = try? StreamName(RelayCore.alertStream), let version = try await store.streamVersion(name) else { return [] }
        let count = version + 1
        let start = count > UInt64(limit) ? count - UInt64(limit) : 0
        let recorded = try await store.readStream(name, fromVersion: start, maxCount: limit)
        // An expired alert is erased (docs/PRIVACY.md); the feed's erasure records are not alerts.
        return recorded.reversed().filter { !$0.isRedacted && $0.type.value == EventKind.alertPublished.name }.map { ($0.position, $0.payload) }
    }

    /// Whether a stored event goes to this identity.
    public func isVisible(_ recorded: RecordedEvent, to identity: Identity) -> Bool {
        let stream = recorded.stream.value
        guard stream.hasPrefix("conv:") || ConversationID.feedStreamNames.contains(stream),
              let kind = EventKind(name: recorded.type.value)
        else { return false }
        switch identity {
        case .staff: return true
        case .visitor(_, let conversation):
            guard recorded.stream.value == conversation.streamName else { return false }
            // A new conversation key is the visitor's too; a new staff key is not (its wraps name staff only).
            if kind == .keyRotated { return RelayCore.content(ofStored: recorded)?.first == KeyWrapped.Purpose.conversationKey.rawValue }
            return kind.visibleToVisitor
        }
    }

    /// The content of a stored event; nil when it does not read (an erased one is zeros).
    static func content(ofStored recorded: RecordedEvent) -> [UInt8]? {
        guard !recorded.isRedacted else { return nil }
        return (try? UnverifiedEvent(bytes: recorded.payload))?.content
    }
}
