import EventLog
public import NetreachCore
import Sodium
import Synchronization

/// How a session reaches its client: the WebSocket in the server, an in-memory pipe in tests.
public protocol SessionTransport: Sendable {
    func send(_ message: ServerMessage) async throws
    /// Ends the connection with a WebSocket close code (docs/PROTOCOL.md, "Errors": 1008, or 1009 for `tooLarge`).
    func close(code: UInt16, reason: String) async
}

/// One client connection: its challenge, who it authenticated as, its subscription, its rate limit.
public final class RelaySession: Sendable {
    let core: RelayCore
    let transport: any SessionTransport
    let challenge: [UInt8]
    /// The address limiter's opaque token for this connection's address (never the address itself).
    let addressToken: [UInt8]?
    private let helloAt = ContinuousClock.now

    private struct State: ~Copyable {
        var identity: Identity?
        var subscription: Task<Void, Never>?
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    private let state: Mutex<State>

    public init(core: RelayCore, transport: any SessionTransport, addressToken: [UInt8]? = nil) {
        self.core = core
        self.transport = transport
        self.addressToken = addressToken
        challenge = Random.bytes(count: 32)
        state = Mutex(State(tokens: core.requestBurst, refilledAt: core.now()))
        core.sessionsAlive.add(1, ordering: .relaxed)
    }

    deinit {
        core.sessionsAlive.subtract(1, ordering: .relaxed)
    }

    public var identity: Identity? { state.withLock { $0.identity } }

    /// Sends `hello`.
    public func start() async {
        try? await transport.send(.hello(challenge: challenge, relay: core.relayKey.publicKey, powBits: core.powBits))
    }

    /// Handles one text frame; false when the connection must end.
    public func receive(_ text: String) async -> Bool {
        let received = ContinuousClock.now
        let (rid, parsed) = ClientMessage.parse(text)
        guard takeToken() else { return await reply(.error(rid: rid, ProtocolError(.rateLimited, "too many requests; slow down"))) }
        switch parsed {
        case .failure(let error):
            return await reply(.error(rid: rid, error))
        case .success(let message):
            do {
                return try await handle(message, received: received)
            } catch {
                return await reply(.error(rid: rid, error))
            }
        }
    }

    /// Stops the subscription; the connection is gone.
    public func finish() {
        let task = state.withLock { $0.subscription }
        task?.cancel()
        core.unregister(self)
    }

    /// The connection did not authenticate within the challenge's lifetime: say so and end it.
    public func authenticationTimedOut() async {
        guard identity == nil else { return }
        _ = await reply(.error(rid: nil, ProtocolError(.badChallenge, "authentication timed out: the challenge has expired; reconnect")))
    }

    /// The key was revoked while connected: say so and end the connection.
    func endRevoked() async {
        _ = await reply(.error(rid: nil, ProtocolError(.revokedKey, "this staff key has been revoked")))
        finish()
    }

    private func handle(_ message: ClientMessage, received: ContinuousClock.Instant) async throws(ProtocolError) -> Bool {
        if case .auth(let role, let key, let signature) = message {
            guard identity == nil else { throw ProtocolError(.badChallenge, "this connection has already authenticated") }
            guard ContinuousClock.now - helloAt <= core.challengeLifetime else {
                throw ProtocolError(.badChallenge, "the challenge has expired; reconnect for a new one")
            }
            let identity = try core.authenticate(role: role, key: key, signature: signature, challenge: challenge)
            // Known before the connection counts as authenticated: a log that cannot be read answers
            // `unavailable`, and the client may authenticate again.
            var exists = false, erased = false
            if case .visitor(_, let conversation) = identity {
                exists = try await core.conversationExists(conversation)
                if exists { erased = try await core.erased(conversation) }
            }
            state.withLock { $0.identity = identity }
            if case .staff = identity { core.register(self) }
            switch identity {
            case .visitor(_, let conversation):
                return await reply(.ready(role: .visitor, conversation: conversation, exists: exists, erased: erased))
            case .staff:
                return await reply(.ready(role: .staff, conversation: nil, exists: false))
            }
        }
        if case .ping(let rid) = message { return await reply(.pong(rid: rid)) }
        guard let identity else { throw ProtocolError(.notAuthenticated, "authenticate first") }
        guard core.stillAllowed(identity) else { throw ProtocolError(.revokedKey, "this staff key has been revoked") }
        switch message {
        case .open(let rid, let event, let pow):
            guard core.addressLimiter.allowOpen(addressToken) else {
                throw ProtocolError(.rateLimited, "too many new conversations from this network; try again later")
            }
            let result = try await core.open(event, pow: pow, challenge: challenge, by: identity)
            core.metrics.appendLatency.record(ContinuousClock.now - received)
            return await reply(.ack(rid: rid, position: result.lastPosition, version: result.streamVersion, duplicate: result.wasAlreadyPresent))
        case .append(let rid, let event, let expect):
            let result = try await core.append(event, expect: expect, by: identity)
            core.metrics.appendLatency.record(ContinuousClock.now - received)
            return await reply(.ack(rid: rid, position: result.lastPosition, version: result.streamVersion, duplicate: result.wasAlreadyPresent))
        case .subscribe(let from):
            startSubscription(from: from, identity: identity)
            return true
        case .records(let rid, let from, let limit):
            // The whole log, every stream's records: for supervisors, who check its chain (docs/PROTOCOL.md, "Records").
            guard case .staff(let member) = identity, member.role == StaffRole.supervisor.rawValue else {
                throw ProtocolError(.forbidden, "records are for supervisors")
            }
            let head = core.store.currentHead()
            let records: [RecordedEvent]
            do {
                records = from < head.count ? try await core.store.read(from: from, maxCount: min(limit, Int(head.count - from))) : []
            } catch {
                throw core.readFailure(error)
            }
            for record in records {
                // Every payload the log still holds, so that the supervisor recomputes its hash; only a
                // redacted record's payload is gone (its hash stays in the chain).
                guard await reply(.record(rid: rid, record, includePayload: !record.isRedacted)) else { return false }
            }
            return await reply(.records(rid: rid, head: head, next: records.last.map { $0.position + 1 } ?? max(from, head.count)))
        case .auth, .ping:
            return true
        }
    }

    private func reply(_ message: ServerMessage) async -> Bool {
        do {
            try await transport.send(message)
        } catch {
            return false
        }
        if message.endsConnection {
            if case .error(_, let error) = message { await transport.close(code: error.code.closeCode, reason: error.code.name) }
            return false
        }
        return true
    }

    private func takeToken() -> Bool {
        state.withLock { state in
            let now = core.now()
            let elapsed = now - state.refilledAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(core.requestBurst, state.tokens + seconds * core.requestsPerSecond)
            state.refilledAt = now
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
    }

    // MARK: Subscription

    private func startSubscription(from: UInt64, identity: Identity) {
        let task = Task { [self] in
            do {
                try await follow(core.store, from: from, identity: identity)
            } catch is CancellationError {
            } catch let error as ProtocolError {
                _ = await reply(.error(rid: nil, error))
            } catch {
                _ = await reply(.error(rid: nil, ProtocolError(.unavailable, "the subscription stopped; subscribe again")))
            }
        }
        let previous = state.withLock { state -> Task<Void, Never>? in
            defer { state.subscription = task }
            return state.subscription
        }
        previous?.cancel()
    }

    /// Staff: every conversation event from `from`. Visitor: its own conversation's visible events at
    /// positions from `from`. Each first what is stored, then `live`, then each new event.
    private func follow<Store: EventStore>(_ store: Store, from: UInt64, identity: Identity) async throws {
        switch identity {
        case .staff: try await forward(store.follow(from: from), identity: identity)
        case .visitor(_, let conversation): try await forward(store.follow(stream: try core.stream(of: conversation), from: from), identity: identity)
        }
    }

    private func forward<Followed: AsyncSequence>(_ followed: Followed, identity: Identity) async throws
        where Followed.Element == FollowedEvent {
        for try await item in followed {
            switch item {
            case .event(let recorded):
                // A staff key revoked meanwhile gets nothing more (its connection is being ended too).
                guard core.stillAllowed(identity) else { throw ProtocolError(.revokedKey, "this staff key has been revoked") }
                // An erased event is not sent: its payload is gone, and the relay's `content.erased` record says what it was.
                if !recorded.isRedacted && core.isVisible(recorded, to: identity) { try await send(recorded) }
            case .live(let position):
                try await transport.send(.live(position: position))
            }
        }
    }

    private func send(_ recorded: RecordedEvent) async throws {
        guard let kind = EventKind(name: recorded.type.value) else { return }
        try await transport.send(.event(position: recorded.position, version: recorded.streamVersion,
                                        timeMilliseconds: recorded.timeMilliseconds, kind: kind, bytes: recorded.payload))
    }
}
