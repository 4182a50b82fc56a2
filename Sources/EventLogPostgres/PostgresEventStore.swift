public import EventLog
import Foundation
import Sodium
public import Logging
import NIOCore
import NIOPosix
public import PostgresNIO
import Synchronization

/// The event log in a PostgreSQL database (docs/LOG-FORMAT.md, "PostgreSQL"), with the file store's
/// semantics: one order of positions without gaps, per-stream versions, expected-version checks,
/// idempotency by event id, atomic batches, the same chain, and redaction that keeps it. Several
/// relays may share one database; each sees the others' appends through LISTEN/NOTIFY.
///
/// Appends are serialised by a lock on the log's one head row inside each transaction, so that
/// position order is commit order and a reader that follows positions cannot skip an event that
/// commits late. The appends waiting in one process go in one transaction, as the file store puts
/// them in one `fdatasync`.
public final class PostgresEventStore: EventStore {
    /// The schema this code writes and reads; a database with a newer one is refused.
    /// 1: the log and its events. 2: the log row names its owner (the deployment's organisation key).
    public static let schemaVersion = 2
    /// The channel each commit notifies with the new event count (a hint: readers read by position).
    static let channel = "netreach_log"

    public let logID: LogID
    /// The database's hosts, in the order they are tried (one, or a primary and its standbys).
    private let targets: [PostgresClient.Configuration]
    /// The host in use, its client and the task that runs the client.
    private struct Connection {
        let index: Int
        let client: PostgresClient
        let task: Task<Void, Never>
    }
    private let connection: Mutex<Connection>
    private var client: PostgresClient { connection.withLock { $0.client } }
    private let listener = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger

    private struct Job {
        let stream: StreamName
        let expected: ExpectedVersion
        let events: [ProposedEvent]
        let payloadHashes: [Digest32]
        let reply: CheckedContinuation<Result<AppendResult, EventLogError>, Never>
    }

    private struct State: ~Copyable {
        var head: LogHead
        var closed = false
        var stopped: EventLogError?
        var pending: [Job] = []
        var committing = false
        var waiters = Waiters()
        /// A search for the primary among the hosts is under way, or ended at this time without finding one.
        var searching = false
        var lastSearch: ContinuousClock.Instant?
        /// Each stream's version as this process last heard it (its own commits, other processes'
        /// notifications), and when: what a stream waiter checks before it waits, instead of asking
        /// the database. Entries older than a minute are dropped past `knownStreamsLimit`.
        var knownVersions: [StreamName: (version: UInt64, at: ContinuousClock.Instant)] = [:]
        var knownPruned = ContinuousClock.now
        /// Whether the LISTEN connection is up: while it is, every commit's streams are heard of.
        var listening = false
        var recent = RecentEvents()
    }

    static let knownStreamsLimit = 20_000

    private let state: Mutex<State>

    private init(logID: LogID, head: LogHead, targets: [PostgresClient.Configuration], index: Int, client: PostgresClient,
                 clientTask: Task<Void, Never>, timeout: Duration, logger: Logger) {
        self.logID = logID
        operationTimeout = Mutex(timeout)
        self.targets = targets
        connection = Mutex(Connection(index: index, client: client, task: clientTask))
        self.logger = logger
        state = Mutex(State(head: head))
    }

    /// Connects, creates or checks the schema, and starts listening for other processes' appends.
    /// Refused: a database that cannot be reached (`unavailable`), a schema newer than this code
    /// (`incompatibleSchema`).
    /// With `create` false, a database without a log is refused (`notFound`) instead of given one.
    public static func open(configuration: PostgresClient.Configuration, timeout: Duration = .seconds(15), create: Bool = true,
                            owner: [UInt8]? = nil, logger: Logger) async throws(EventLogError) -> PostgresEventStore {
        try await open(configurations: [configuration], timeout: timeout, create: create, owner: owner, logger: logger)
    }

    /// Opens the log on the first of `configurations` (a database's hosts, in order) that answers and
    /// is a primary (not a standby in recovery). Refused when none is (`unavailable`, naming each).
    /// `owner` (a relay gives its deployment's organisation key): a log without an owner is given
    /// this one; a log owned by another is refused (`otherOwner`), so that a relay configured with
    /// another deployment's database never writes there. Nil (a tool reading any log) checks nothing.
    public static func open(configurations: [PostgresClient.Configuration], timeout: Duration = .seconds(15), create: Bool = true,
                            owner: [UInt8]? = nil, logger: Logger) async throws(EventLogError) -> PostgresEventStore {
        guard !configurations.isEmpty else { throw EventLogError(code: .invalidConfiguration, "the store names no host") }
        var failures: [String] = []
        for (index, configuration) in configurations.enumerated() {
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let clientTask = Task.detached { await client.run() }
            do {
                let (logID, head) = try await withDeadline(timeout, doing: "open the log") {
                    if configurations.count > 1 { try await client.withConnection { try await requirePrimary($0, logger: logger) } }
                    return try await migrate(client, create: create, owner: owner, logger: logger)
                }
                let store = PostgresEventStore(logID: logID, head: head, targets: configurations, index: index, client: client,
                                               clientTask: clientTask, timeout: timeout, logger: logger)
                store.startListening()
                return store
            } catch {
                clientTask.cancel()
                guard error.code == .unavailable, configurations.count > 1 else { throw error }
                failures.append("\(configuration.host ?? "?"):\(configuration.port ?? 5432): \(error.message)")
            }
        }
        throw EventLogError(code: .unavailable, "no host of the store is a primary that answers: " + failures.joined(separator: "; "))
    }

    /// Throws `unavailable` unless the connection's server is a primary (a standby is read-only).
    private static func requirePrimary(_ connection: PostgresConnection, logger: Logger) async throws {
        for try await inRecovery in try await connection.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) where inRecovery {
            throw EventLogError(code: .unavailable, "a standby (in recovery, read-only), not a primary")
        }
    }

    /// Creates the tables on a new database (under an advisory lock, so that two relays starting at
    /// once do it once) and reads the log's id and head.
    private static func migrate(_ client: PostgresClient, create: Bool, owner: [UInt8]?, logger: Logger) async throws -> (LogID, LogHead) {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(4625768)", logger: logger)
                if !create {
                    let found = try await connection.query("SELECT to_regclass('netreach_log') IS NOT NULL", logger: logger)
                    for try await exists in found.decode(Bool.self) where !exists {
                        throw EventLogError(code: .notFound, "this database holds no Netreach log")
                    }
                }
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS netreach_log (
                        single boolean PRIMARY KEY DEFAULT true CHECK (single),
                        schema_version integer NOT NULL,
                        log_id bytea NOT NULL,
                        count bigint NOT NULL,
                        chain bytea NOT NULL,
                        owner bytea)
                    """, logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS netreach_events (
                        position bigint PRIMARY KEY,
                        stream text NOT NULL,
                        stream_version bigint NOT NULL,
                        event_id bytea NOT NULL UNIQUE,
                        type text NOT NULL,
                        author bytea NOT NULL,
                        time_ms bigint NOT NULL,
                        metadata bytea NOT NULL,
                        payload bytea NOT NULL,
                        payload_length integer NOT NULL,
                        payload_hash bytea NOT NULL,
                        chain bytea NOT NULL,
                        redacted boolean NOT NULL DEFAULT false,
                        UNIQUE (stream, stream_version))
                    """, logger: logger)
                let rows = try await connection.query("SELECT schema_version, log_id, count, chain FROM netreach_log", logger: logger)
                var found: (version: Int, logID: LogID, head: LogHead)?
                for try await (version, id, count, chain) in rows.decode((Int, ByteBuffer, Int64, ByteBuffer).self) {
                    guard version <= schemaVersion else {
                        throw EventLogError(code: .incompatibleSchema,
                                            "the database's schema is version \(version); this relay knows up to \(schemaVersion): upgrade the relay")
                    }
                    let logID = try LogID(Array(buffer: id))
                    found = (version, logID, LogHead(logID: logID, count: UInt64(count), chain: try Digest32(Array(buffer: chain))))
                }
                if let found {
                    // Version 1 to 2: the log row gains its owner (none yet: the next relay to open it names it).
                    if found.version < 2 {
                        try await connection.query("ALTER TABLE netreach_log ADD COLUMN IF NOT EXISTS owner bytea", logger: logger)
                        try await connection.query("UPDATE netreach_log SET schema_version = \(schemaVersion)", logger: logger)
                        logger.notice("log schema migrated", metadata: ["from": "\(found.version)", "to": "\(schemaVersion)"])
                    }
                    if let owner {
                        let stored = try await connection.query("SELECT owner FROM netreach_log", logger: logger)
                        for try await current in stored.decode(ByteBuffer?.self) {
                            if let current, Array(buffer: current) != owner {
                                throw EventLogError(code: .otherOwner, "this database holds another deployment's log (its organisation key "
                                                    + "differs from this relay's keyring): check the store address")
                            }
                            if current == nil {
                                try await connection.query("UPDATE netreach_log SET owner = \(ByteBuffer(bytes: owner))", logger: logger)
                            }
                        }
                    }
                    return (found.logID, found.head)
                }
                guard create else { throw EventLogError(code: .notFound, "this database holds no Netreach log") }
                let logID = LogID.random()
                let genesis = RecordCodec.genesis(logID: logID)
                try await connection.query("""
                    INSERT INTO netreach_log (schema_version, log_id, count, chain, owner)
                    VALUES (\(schemaVersion), \(ByteBuffer(bytes: logID.bytes)), 0, \(ByteBuffer(bytes: genesis.bytes)),
                            \(owner.map { ByteBuffer(bytes: $0) }))
                    """, logger: logger)
                return (logID, LogHead(logID: logID, count: 0, chain: genesis))
            }
        } catch {
            throw storeError(error, doing: "open the log")
        }
    }

    /// How long one operation may wait for the database before it is answered `unavailable`.
    public var timeout: Duration {
        get { operationTimeout.withLock { $0 } }
        set { operationTimeout.withLock { $0 = newValue } }
    }
    private let operationTimeout: Mutex<Duration>

    /// Runs `body`, or gives up after `limit` with `unavailable` (the client library would otherwise
    /// wait for a connection as long as the database stays away). The answer does not wait for
    /// `body` to notice its cancellation; the timer is an event loop's, which a cancel removes at once.
    /// With `inFlight`, the operation can also be given up from outside (the store moved to another host).
    static func withDeadline<T: Sendable>(_ limit: Duration, doing what: String, inFlight: InFlight? = nil,
                                          _ body: @escaping @Sendable () async throws -> T) async throws(EventLogError) -> T {
        let race = DeadlineRace<T>()
        let registration = inFlight?.add {
            race.abandon(EventLogError(code: .unavailable, "cannot \(what): the database's primary changed meanwhile; send it again"))
        }
        defer { if let registration { inFlight?.remove(registration) } }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, EventLogError>, Never>) in
                race.start(continuation, limit: limit, what: what, body)
            }
        } onCancel: {
            race.cancel()
        }
        return try result.get()
    }

    /// The operations under way, each with a way to give it up.
    final class InFlight: Sendable {
        private let operations = Mutex<(next: Int, abandon: [Int: @Sendable () -> Void])>((0, [:]))

        func add(_ abandon: @escaping @Sendable () -> Void) -> Int {
            operations.withLock { operations in
                defer { operations.next += 1 }
                operations.abandon[operations.next] = abandon
                return operations.next
            }
        }

        func remove(_ id: Int) { _ = operations.withLock { $0.abandon.removeValue(forKey: id) } }

        /// Gives up every operation under way: each is answered at once with its error.
        func abandonAll() {
            let all = operations.withLock { operations in
                defer { operations.abandon.removeAll() }
                return Array(operations.abandon.values)
            }
            for abandon in all { abandon() }
        }
    }

    private let inFlight = InFlight()

    /// Runs one operation on the database within the timeout, and keeps `stoppedBecause` saying
    /// whether the database answers (for `/health`).
    private func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws(EventLogError) -> T {
        do {
            let value = try await PostgresEventStore.withDeadline(timeout, doing: what, inFlight: inFlight, body)
            state.withLock { if $0.stopped != nil { $0.stopped = nil } }
            return value
        } catch {
            // A task cancelled meanwhile (a connection that closed) says nothing about the database.
            if error.code == .unavailable, !Task.isCancelled {
                state.withLock { $0.stopped = error }
                lookForPrimary()
            }
            throw error
        }
    }

    /// Turns what the client library throws into the log's error: an `EventLogError` thrown inside
    /// a transaction stays as it is; anything else means the database could not be used.
    static func storeError(_ error: any Error, doing what: String) -> EventLogError {
        if let error = error as? EventLogError { return error }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError as? EventLogError { return inner }
        }
        return EventLogError(code: .unavailable, "cannot \(what): the database did not answer (\(summary(of: error)))")
    }

    /// What went wrong with the database, without the query or its values (an error's full text
    /// carries the statement and its bindings, which are the log's contents).
    static func summary(of error: any Error) -> String {
        if let error = error as? PSQLError {
            var text = "\(error.code)"
            if let state = error.serverInfo?[.sqlState] { text += " \(state)" }
            if let message = error.serverInfo?[.message] { text += ": \(message.prefix(200))" }
            if let underlying = error.underlying { text += " (\(type(of: underlying)))" }
            return text
        }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].compactMap { $0 }.map { summary(of: $0) }.joined(separator: "; ")
        }
        return "\(type(of: error))"
    }

    // MARK: Appending

    public func append(to stream: StreamName, expectedVersion: ExpectedVersion,
                       events: [ProposedEvent]) async throws(EventLogError) -> AppendResult {
        guard !events.isEmpty else { throw EventLogError(code: .invalidEvent, "an append needs at least one event") }
        for event in events { try RecordCodec.validate(event) }
        if events.count > 1 {
            var seen = Set<EventID>()
            for event in events where !seen.insert(event.id).inserted {
                throw EventLogError(code: .invalidEvent, "event id \(event.id) appears twice in one batch")
            }
        }
        let hashes = events.map { RecordCodec.payloadHash(of: $0.payload) }
        let result = await withCheckedContinuation { (reply: CheckedContinuation<Result<AppendResult, EventLogError>, Never>) in
            let job = Job(stream: stream, expected: expectedVersion, events: events, payloadHashes: hashes, reply: reply)
            let outcome = state.withLock { state -> (refuse: EventLogError?, startCommitter: Bool) in
                if state.closed { return (EventLogError(code: .closed, "the event log is closed"), false) }
                state.pending.append(job)
                defer { state.committing = true }
                return (nil, !state.committing)
            }
            if let refusal = outcome.refuse {
                reply.resume(returning: .failure(refusal))
            } else if outcome.startCommitter {
                Task { await self.commitPending() }
            }
        }
        return try result.get()
    }

    /// Commits everything waiting, one transaction at a time, until nothing waits.
    private func commitPending() async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                defer { state.pending.removeAll() }
                if state.pending.isEmpty { state.committing = false }
                return state.pending
            }
            guard !jobs.isEmpty else { return }
            await commit(jobs)
        }
    }

    /// One transaction for `jobs`: each is planned in turn (a refused one does not stop the others),
    /// then every planned event is inserted at once, the head row moved and the commit notified.
    private func commit(_ jobs: [Job]) async {
        let outcome: (results: [Result<AppendResult, EventLogError>], head: LogHead, streams: [StreamName: UInt64], inserted: [RecordedEvent])
        do {
            outcome = try await run("append") {
                try await self.client.withTransaction(logger: self.logger) { connection in try await self.plan(jobs, on: connection) }
            }
        } catch {
            // Nothing of the transaction is known to be stored (a commit whose answer was lost may
            // have stored all of it): each append is refused, and the same events sent again are
            // stored once (idempotency by event id).
            let refusal = PostgresEventStore.storeError(error, doing: "append")
            for job in jobs { job.reply.resume(returning: .failure(refusal)) }
            return
        }
        state.withLock { state in if state.listening { state.recent.add(outcome.inserted) } }
        publish(head: outcome.head, streams: outcome.streams)
        for (job, result) in zip(jobs, outcome.results) { job.reply.resume(returning: result) }
    }

    private struct PlannedEvent {
        let stream: StreamName
        let event: ProposedEvent
        let payloadHash: Digest32
        let position: UInt64
        let version: UInt64
    }

    private func plan(_ jobs: [Job], on connection: PostgresConnection) async throws
        -> (results: [Result<AppendResult, EventLogError>], head: LogHead, streams: [StreamName: UInt64], inserted: [RecordedEvent]) {
        // The lock on the head row serialises every appender of every relay on this database.
        var count: UInt64 = 0
        var chain = RecordCodec.genesis(logID: logID)
        let headRows = try await connection.query("SELECT count, chain FROM netreach_log FOR UPDATE", logger: logger)
        for try await (stored, storedChain) in headRows.decode((Int64, ByteBuffer).self) {
            count = UInt64(stored)
            chain = try Digest32(Array(buffer: storedChain))
        }
        // What the jobs need from the log, in two queries whatever their number: the events already
        // stored under their ids, and the versions of their streams (nil: no such stream yet).
        let existing = try await storedEvents(ids: jobs.flatMap { $0.events.map(\.id) }, on: connection)
        var versions = try await streamVersions(Set(jobs.map(\.stream)), on: connection)
        var planned: [EventID: PlannedEvent] = [:]
        var inserts: [RecordedEvent] = []
        var results: [Result<AppendResult, EventLogError>] = []
        for job in jobs {
            do {
                // Idempotency: a batch already stored (or planned in this transaction) is answered, not written again.
                var found: [(position: UInt64, version: UInt64)] = []
                for (event, hash) in zip(job.events, job.payloadHashes) {
                    if let earlier = existing[event.id] ?? planned[event.id].map({ StoredIdentity($0) }) {
                        guard earlier.stream == job.stream, earlier.type == event.type, earlier.author == event.author,
                              earlier.metadata == event.metadata, earlier.payloadHash == hash else {
                            throw EventLogError(code: .duplicateEventConflict, "event id \(event.id) is already in the log with other content",
                                                position: earlier.position)
                        }
                        found.append((earlier.position, earlier.version))
                    }
                }
                if !found.isEmpty {
                    guard found.count == job.events.count else {
                        throw EventLogError(code: .duplicateEventConflict,
                                            "\(found.count) of the batch's \(job.events.count) events are already in the log",
                                            position: found[0].position)
                    }
                    results.append(.success(AppendResult(firstPosition: found[0].position, lastPosition: found[found.count - 1].position,
                                                         streamVersion: found[found.count - 1].version, wasAlreadyPresent: true)))
                    continue
                }
                let current = versions[job.stream] ?? nil
                try job.expected.check(current, stream: job.stream)
                let firstVersion = current.map { $0 + 1 } ?? 0
                let firstPosition = count
                for (k, (event, hash)) in zip(job.events, job.payloadHashes).enumerated() {
                    let recordedWithoutChain = RecordedEvent(
                        position: count, stream: job.stream, streamVersion: firstVersion + UInt64(k), id: event.id, type: event.type,
                        author: event.author, timeMilliseconds: event.timeMilliseconds, metadata: event.metadata, payload: event.payload,
                        payloadLength: event.payload.count, payloadHash: hash, chain: chain, isRedacted: false)
                    chain = RecordCodec.chain(of: recordedWithoutChain, previous: chain)
                    inserts.append(RecordedEvent(
                        position: count, stream: job.stream, streamVersion: firstVersion + UInt64(k), id: event.id, type: event.type,
                        author: event.author, timeMilliseconds: event.timeMilliseconds, metadata: event.metadata, payload: event.payload,
                        payloadLength: event.payload.count, payloadHash: hash, chain: chain, isRedacted: false))
                    planned[event.id] = PlannedEvent(stream: job.stream, event: event, payloadHash: hash, position: count,
                                                     version: firstVersion + UInt64(k))
                    count += 1
                }
                let lastVersion = firstVersion + UInt64(job.events.count - 1)
                versions[job.stream] = .some(lastVersion)
                results.append(.success(AppendResult(firstPosition: firstPosition, lastPosition: count - 1, streamVersion: lastVersion,
                                                     wasAlreadyPresent: false)))
            } catch let error as EventLogError {
                results.append(.failure(error))
            }
        }
        var touched: [StreamName: UInt64] = [:]
        if !inserts.isEmpty {
            for event in inserts { touched[event.stream] = event.streamVersion }
            try await insert(inserts, head: LogHead(logID: logID, count: count, chain: chain),
                             notification: PostgresEventStore.notification(count: count, chain: chain, streams: touched), on: connection)
        }
        return (results, LogHead(logID: logID, count: count, chain: chain), touched, inserts)
    }

    /// What idempotency compares of an event already in the log.
    private struct StoredIdentity {
        let position: UInt64
        let version: UInt64
        let stream: StreamName
        let type: EventType
        let author: AuthorID
        let metadata: [UInt8]
        let payloadHash: Digest32

        init(position: UInt64, version: UInt64, stream: StreamName, type: EventType, author: AuthorID, metadata: [UInt8],
             payloadHash: Digest32) {
            self.position = position
            self.version = version
            self.stream = stream
            self.type = type
            self.author = author
            self.metadata = metadata
            self.payloadHash = payloadHash
        }

        init(_ planned: PlannedEvent) {
            self.init(position: planned.position, version: planned.version, stream: planned.stream, type: planned.event.type,
                      author: planned.event.author, metadata: planned.event.metadata, payloadHash: planned.payloadHash)
        }
    }

    private func storedEvents(ids: [EventID], on connection: PostgresConnection) async throws -> [EventID: StoredIdentity] {
        let rows = try await connection.query("""
            SELECT event_id, position, stream_version, stream, type, author, metadata, payload_hash
            FROM netreach_events WHERE event_id = ANY(\(ids.map { ByteBuffer(bytes: $0.bytes) }))
            """, logger: logger)
        var found: [EventID: StoredIdentity] = [:]
        for try await (id, position, version, stream, type, author, metadata, hash)
            in rows.decode((ByteBuffer, Int64, Int64, String, String, ByteBuffer, ByteBuffer, ByteBuffer).self) {
            let eventID = try EventID(Array(buffer: id))
            found[eventID] = StoredIdentity(position: UInt64(position), version: UInt64(version), stream: try StreamName(stream),
                                            type: try EventType(type), author: try AuthorID(Array(buffer: author)),
                                            metadata: Array(buffer: metadata), payloadHash: try Digest32(Array(buffer: hash)))
        }
        return found
    }

    /// The version of each stream that has events; a stream without any is absent.
    private func streamVersions(_ streams: Set<StreamName>, on connection: PostgresConnection) async throws -> [StreamName: UInt64?] {
        let rows = try await connection.query("""
            SELECT stream, max(stream_version) FROM netreach_events WHERE stream = ANY(\(streams.map(\.value))) GROUP BY stream
            """, logger: logger)
        var versions: [StreamName: UInt64?] = [:]
        for try await (stream, version) in rows.decode((String, Int64).self) { versions[try StreamName(stream)] = .some(UInt64(version)) }
        return versions
    }

    private func streamVersion(_ stream: StreamName, on connection: PostgresConnection) async throws -> UInt64? {
        let rows = try await connection.query("SELECT max(stream_version) FROM netreach_events WHERE stream = \(stream.value)",
                                              logger: logger)
        for try await version in rows.decode(Int64?.self) { return version.map(UInt64.init) }
        return nil
    }

    /// The events, the new head and the notification, in one statement (one round trip).
    private func insert(_ events: [RecordedEvent], head: LogHead, notification: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            WITH moved AS (UPDATE netreach_log SET count = \(Int64(head.count)), chain = \(ByteBuffer(bytes: head.chain.bytes)) RETURNING 1),
            inserted AS (
            INSERT INTO netreach_events (position, stream, stream_version, event_id, type, author, time_ms, metadata, payload,
                                         payload_length, payload_hash, chain)
            SELECT * FROM unnest(\(events.map { Int64($0.position) })::bigint[], \(events.map(\.stream.value))::text[],
                                 \(events.map { Int64($0.streamVersion) })::bigint[], \(events.map { ByteBuffer(bytes: $0.id.bytes) })::bytea[],
                                 \(events.map(\.type.value))::text[], \(events.map { ByteBuffer(bytes: $0.author.bytes) })::bytea[],
                                 \(events.map { Int64($0.timeMilliseconds) })::bigint[], \(events.map { ByteBuffer(bytes: $0.metadata) })::bytea[],
                                 \(events.map { ByteBuffer(bytes: $0.payload) })::bytea[], \(events.map { Int32($0.payloadLength) })::integer[],
                                 \(events.map { ByteBuffer(bytes: $0.payloadHash.bytes) })::bytea[],
                                 \(events.map { ByteBuffer(bytes: $0.chain.bytes) })::bytea[])
            RETURNING 1)
            SELECT pg_notify(\(PostgresEventStore.channel), \(notification)) FROM moved
            """, logger: logger)
    }

    // MARK: Reading

    private static let columns = """
        position, stream, stream_version, event_id, type, author, time_ms, metadata, payload, payload_length, payload_hash, chain, redacted
        """

    private func records(_ query: PostgresQuery, doing what: String) async throws(EventLogError) -> [RecordedEvent] {
        try await run(what) { try await self.decodeRecords(query) }
    }

    private func decodeRecords(_ query: PostgresQuery) async throws -> [RecordedEvent] {
        do {
            let rows = try await client.query(query, logger: logger)
            var events: [RecordedEvent] = []
            for try await row in rows {
                let (position, stream, version, id, type, author, time, metadata, payload, length, hash, chain, redacted) =
                    try row.decode((Int64, String, Int64, ByteBuffer, String, ByteBuffer, Int64, ByteBuffer, ByteBuffer, Int32,
                                    ByteBuffer, ByteBuffer, Bool).self)
                events.append(RecordedEvent(
                    position: UInt64(position), stream: try StreamName(stream), streamVersion: UInt64(version),
                    id: try EventID(Array(buffer: id)), type: try EventType(type), author: try AuthorID(Array(buffer: author)),
                    timeMilliseconds: UInt64(time), metadata: Array(buffer: metadata), payload: redacted ? [] : Array(buffer: payload),
                    payloadLength: Int(length), payloadHash: try Digest32(Array(buffer: hash)), chain: try Digest32(Array(buffer: chain)),
                    isRedacted: redacted))
            }
            return events
        }
    }

    public func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        try await readAndKeep(from: position, maxCount: maxCount, generation: state.withLock { $0.recent.generation })
    }

    /// A follower's read comes from memory when the recent events hold `position` and reach the head
    /// this process knows (every staff session follows the whole log: all but the first to read a new
    /// event find it there); otherwise, and always while the LISTEN connection is down (a redaction
    /// would not be heard), from the database.
    public func readFollowing(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let cached: (events: [RecordedEvent]?, generation: UInt64) = state.withLock { state in
            guard state.listening, state.recent.end >= state.head.count else { return (nil, state.recent.generation) }
            return (state.recent.events(from: position, maxCount: maxCount), state.recent.generation)
        }
        if let events = cached.events { return events }
        return try await readAndKeep(from: position, maxCount: maxCount, generation: cached.generation)
    }

    /// Reads from the database, and keeps what it read among the recent events unless a redaction
    /// was heard since `generation` (what was read may predate it).
    private func readAndKeep(from position: UInt64, maxCount: Int, generation: UInt64) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.columns) FROM netreach_events WHERE position >= \(Int64(clamping: position))
            ORDER BY position LIMIT \(maxCount)
            """
        let events = try await records(query, doing: "read the log")
        state.withLock { state in
            if state.listening, state.recent.generation == generation { state.recent.add(events) }
        }
        return events
    }

    public func readBackward(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.columns) FROM netreach_events WHERE position <= \(Int64(clamping: position))
            ORDER BY position DESC LIMIT \(maxCount)
            """
        return try await records(query, doing: "read the log")
    }

    public func readStream(_ stream: StreamName, fromVersion version: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let query: PostgresQuery = """
            SELECT \(unescaped: Self.columns) FROM netreach_events WHERE stream = \(stream.value)
            AND stream_version >= \(Int64(clamping: version)) ORDER BY stream_version LIMIT \(maxCount)
            """
        return try await records(query, doing: "read a stream")
    }

    public func streamVersion(_ stream: StreamName) async throws(EventLogError) -> UInt64? {
        try await run("read a stream's version") {
            try await self.client.withConnection { connection in try await self.streamVersion(stream, on: connection) }
        }
    }

    /// The head as the database has it now (and this process's view brought up to it).
    public func head() async throws(EventLogError) -> LogHead {
        let head = try await fetchHead()
        // While notifications are heard, they say which streams were written: the head alone wakes
        // whole-log waiters only (waking every stream waiter would make each ask the database).
        publish(head: head, streams: state.withLock { $0.listening } ? [:] : nil)
        return head
    }

    private func fetchHead() async throws(EventLogError) -> LogHead {
        try await run("read the head") {
            let rows = try await self.client.query("SELECT count, chain FROM netreach_log", logger: self.logger)
            for try await (count, chain) in rows.decode((Int64, ByteBuffer).self) {
                return LogHead(logID: self.logID, count: UInt64(count), chain: try Digest32(Array(buffer: chain)))
            }
            throw EventLogError(code: .unavailable, "the database has no log row")
        }
    }

    public func currentHead() -> LogHead { state.withLock { $0.head } }

    public var stoppedBecause: EventLogError? { state.withLock { $0.stopped } }

    // MARK: Redaction

    @discardableResult
    public func redact(position: UInt64) async throws(EventLogError) -> Bool {
        let redacted = try await run("redact") {
            try await self.client.withTransaction(logger: self.logger) { connection in
                let rows = try await connection.query("""
                    SELECT redacted FROM netreach_events WHERE position = \(Int64(clamping: position)) FOR UPDATE
                    """, logger: self.logger)
                var wasRedacted: Bool?
                for try await redacted in rows.decode(Bool.self) { wasRedacted = redacted }
                guard let wasRedacted else {
                    throw EventLogError(code: .notFound, "no event at position \(position)", position: position)
                }
                if wasRedacted { return false }
                // The payload goes; its length and hash stay, so the chain still verifies. Every
                // process hears of it when it commits, and drops the payload from its recent events.
                try await connection.query("""
                    UPDATE netreach_events SET payload = '\\x'::bytea, redacted = true WHERE position = \(Int64(clamping: position))
                    """, logger: self.logger)
                try await connection.query("SELECT pg_notify(\(PostgresEventStore.channel), \(PostgresEventStore.redactedPrefix + String(position)))",
                                           logger: self.logger)
                return true
            }
        }
        // Once committed (a failed commit leaves the payload): here at once; elsewhere when heard.
        state.withLock { $0.recent.redact(position) }
        return redacted
    }

    // MARK: Waiting

    public func waitForEvents(beyond count: UInt64) async -> Bool {
        await wait(in: nil, beyond: count)
    }

    public func waitForEvents(in stream: StreamName, beyond count: UInt64) async -> Bool {
        await wait(in: stream, beyond: count)
    }

    /// Waits without asking the database: a whole-log waiter compares with the head this process
    /// knows, a stream waiter with the stream's version it last heard of. Every commit reaches this
    /// process's view before or after the waiter registers, under the same lock, so none is missed:
    /// its own commits when they return, other processes' by their notification (which names the
    /// streams written), and while the LISTEN connection is down, by waking every stream waiter once
    /// a second and again when it is back (they read by version and wait again).
    private func wait(in stream: StreamName?, beyond count: UInt64) async -> Bool {
        let id = state.withLock { $0.waiters.makeID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = state.withLock { state in
                    if let stream {
                        if let known = state.knownVersions[stream], known.version + 1 > count { return true }
                    } else if state.head.count > count {
                        return true
                    }
                    guard !state.closed, !Task.isCancelled else { return false }
                    state.waiters.add(id, stream: stream, threshold: count, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.remove(id, stream: stream) }?.resume(returning: false)
        }
    }

    /// Moves this process's view of the head forward and wakes who waits for it. `streams` holds the
    /// streams written, with their versions (this process's commit, or another's notification); nil
    /// for a head learnt otherwise, which wakes every stream waiter to look for itself (a wake-up is
    /// a hint: a follower reads by version); with `everyStream`, they are woken even if the head did
    /// not move (the listener was down: what it missed is not known).
    private func publish(head: LogHead, streams: [StreamName: UInt64]?, everyStream: Bool = false) {
        let ready = state.withLock { state in
            let grew = head.count > state.head.count
            if grew { state.head = head }
            if let streams, !streams.isEmpty {
                let now = ContinuousClock.now
                for (stream, version) in streams where (state.knownVersions[stream]?.version ?? 0) <= version {
                    state.knownVersions[stream] = (version, now)
                }
                // At most every 10 s: with more streams than the limit written within a minute, a
                // filter on every commit would make each commit walk them all.
                if state.knownVersions.count > PostgresEventStore.knownStreamsLimit, now - state.knownPruned > .seconds(10) {
                    state.knownVersions = state.knownVersions.filter { now - $0.value.at < .seconds(60) }
                    state.knownPruned = now
                }
            }
            return state.waiters.ready(count: state.head.count, written: streams ?? [:],
                                       everyStream: everyStream || (streams == nil && grew))
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// A redaction's notification: this prefix and the position.
    static let redactedPrefix = "redacted "

    /// A commit's notification: the new head (event count and chain, in hex), then `stream=version`
    /// for each stream written. Past PostgreSQL's 8 000-byte limit only the head goes, and every
    /// stream waiter looks. The head in it spares each listener a query per commit.
    static func notification(count: UInt64, chain: Digest32, streams: [StreamName: UInt64]) -> String {
        let head = "\(count) \(Hex.encode(chain.bytes))"
        let full = ([head] + streams.map { "\($0.key.value)=\($0.value)" }).joined(separator: " ")
        return full.utf8.count < 7_000 ? full : head
    }

    /// What a commit's notification says: the head (nil if it does not read), and the streams it
    /// names (nil when it names none: then every stream waiter looks).
    static func parse(notification payload: String, logID: LogID) -> (head: LogHead?, streams: [StreamName: UInt64]?) {
        let fields = payload.split(separator: " ")
        var head: LogHead?
        if fields.count >= 2, let count = UInt64(fields[0]), let bytes = try? Hex.decode(String(fields[1])), let chain = try? Digest32(bytes) {
            head = LogHead(logID: logID, count: count, chain: chain)
        }
        let named = fields.dropFirst(2)
        guard head != nil, !named.isEmpty else { return (head, nil) }
        var streams: [StreamName: UInt64] = [:]
        for field in named {
            let parts = field.split(separator: "=")
            guard parts.count == 2, let name = try? StreamName(String(parts[0])), let version = UInt64(parts[1]) else { return (head, nil) }
            streams[name] = version
        }
        return (head, streams)
    }

    /// Follows other processes' commits (LISTEN), and reads the head once a second besides, so that a
    /// notification lost with a dropped connection delays a wake-up by a second at most.
    private func startListening() {
        let logger = self.logger
        let task = Task { [weak self] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [weak self] in
                    while !Task.isCancelled {
                        do {
                            // The client in use now: after a move to another host, the next turn listens there.
                            guard let client = self?.client else { return }
                            try await client.withConnection { connection in
                                try await connection.listen(on: PostgresEventStore.channel) { notifications in
                                    // Listening from here on; what was committed while it was not is not known.
                                    self?.startedListening()
                                    defer { self?.state.withLock { $0.listening = false } }
                                    for try await notification in notifications {
                                        guard let self else { continue }
                                        if notification.payload.hasPrefix(PostgresEventStore.redactedPrefix) {
                                            let position = UInt64(notification.payload.dropFirst(PostgresEventStore.redactedPrefix.count))
                                            self.state.withLock { state in
                                                if let position { state.recent.redact(position) } else { state.recent.clear() }
                                            }
                                            continue
                                        }
                                        // The head comes with the notification; the streams it names wake their
                                        // waiters even if it does not read (then the head is asked for, or kept).
                                        let said = PostgresEventStore.parse(notification: notification.payload, logID: self.logID)
                                        let head: LogHead
                                        if let told = said.head { head = told } else { head = (try? await self.fetchHead()) ?? self.currentHead() }
                                        self.publish(head: head, streams: said.streams)
                                    }
                                }
                            }
                        } catch {
                            self?.state.withLock { $0.listening = false }
                            logger.debug("listening for appends stopped; listening again", metadata: ["error": "\(error)"])
                            // The listening connection is the first to see its host go: with several
                            // hosts, the search for the primary starts now, not when an operation times out.
                            if !Task.isCancelled { self?.lookForPrimary() }
                        }
                        try? await Task.sleep(for: .milliseconds(500))
                    }
                }
                group.addTask { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        guard let self, let head = try? await self.fetchHead() else { continue }
                        // Deaf (the listener is down): every stream waiter looks for itself once a second.
                        let deaf = !self.state.withLock { $0.listening }
                        self.publish(head: head, streams: deaf ? nil : [:], everyStream: deaf)
                    }
                }
            }
        }
        listener.withLock { $0 = task }
    }

    // MARK: Moving to another host

    /// After the host in use failed an operation: when the store has several hosts, looks for the
    /// primary among them in order, in the background, a round every quarter second until one is
    /// found (a standby being promoted takes a moment), for at most a minute; one search at a time.
    /// The failed operation has already been answered `unavailable`; the client sends it again, and
    /// idempotency by event id stores it once.
    private func lookForPrimary() {
        guard targets.count > 1 else { return }
        let start = state.withLock { state -> Bool in
            guard !state.searching, !state.closed else { return false }
            if let last = state.lastSearch, ContinuousClock.now - last < .milliseconds(500) { return false }
            state.searching = true
            return true
        }
        guard start else { return }
        Task {
            for _ in 0..<240 {
                if await self.searchHosts() || self.state.withLock({ $0.closed }) { break }
                try? await Task.sleep(for: .milliseconds(250))
            }
            self.state.withLock { state in
                state.searching = false
                state.lastSearch = .now
            }
        }
    }

    /// Asks each host in order, on a connection of its own (a dead host refuses at once, where the
    /// pool would wait), and uses the first that is a primary holding this log and at least every
    /// event this process has seen: never a stale standby promoted by mistake, nor another
    /// deployment's database. True when a host was found (perhaps the one in use).
    private func searchHosts() async -> Bool {
        let known = currentHead()
        let limit = min(timeout, .seconds(5))
        let current = connection.withLock { $0.index }
        for (index, target) in targets.enumerated() {
            let host = "\(target.host ?? "?"):\(target.port ?? 5432)"
            var configuration = PostgresConnection.Configuration(host: target.host ?? "127.0.0.1", port: target.port ?? 5432,
                                                                 username: target.username, password: target.password,
                                                                 database: target.database, tls: .disable)
            configuration.options.connectTimeout = .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000)
            let logger = self.logger
            let probing = configuration
            do {
                try await PostgresEventStore.withDeadline(limit, doing: "ask \(host)") {
                    let probe = try await PostgresConnection.connect(configuration: probing, id: index, logger: logger)
                    do {
                        try await PostgresEventStore.requirePrimary(probe, logger: logger)
                        try await self.requireHolds(known, on: probe)
                        try await probe.close()
                    } catch {
                        try? await probe.close()
                        throw error
                    }
                }
            } catch {
                logger.debug("store host not usable", metadata: ["host": "\(host)", "why": "\(error.message)"])
                continue
            }
            guard index != current else { return true }  // the host in use is the primary still
            let client = PostgresClient(configuration: target, backgroundLogger: logger)
            // Detached: a task made here would inherit the graceful-shutdown signal of whatever
            // started the search (a relay session), and the client would stop with the relay's
            // server, before the relay signs its last checkpoint.
            let task = Task.detached { await client.run() }
            let old = connection.withLock { connection in
                defer { connection = Connection(index: index, client: client, task: task) }
                return connection.task
            }
            // What still waits on the old host is answered `unavailable` now, not at its deadline: a
            // commit stuck there would hold every append behind it (commits go one at a time).
            old.cancel()
            inFlight.abandonAll()
            logger.notice("store moved to another host", metadata: ["host": "\(host)", "events": "\(known.count)"])
            return true
        }
        return false
    }

    /// Throws unless the client's database is this log and holds the `known` head's events, with the same chain.
    private func requireHolds(_ known: LogHead, on client: PostgresConnection) async throws {
        var found = false
        for try await (id, count) in try await client.query("SELECT log_id, count FROM netreach_log", logger: logger)
            .decode((ByteBuffer, Int64).self) {
            guard Array(buffer: id) == logID.bytes else { throw EventLogError(code: .unavailable, "another log (its id differs)") }
            guard UInt64(count) >= known.count else {
                throw EventLogError(code: .unavailable, "it holds \(count) events, fewer than the \(known.count) already seen")
            }
            found = true
        }
        guard found else { throw EventLogError(code: .unavailable, "it holds no Netreach log") }
        guard known.count > 0 else { return }
        let rows = try await client.query("SELECT chain FROM netreach_events WHERE position = \(Int64(known.count - 1))", logger: logger)
        for try await chain in rows.decode(ByteBuffer.self) where Array(buffer: chain) == known.chain.bytes { return }
        throw EventLogError(code: .unavailable, "its history differs from the events already seen (a fork)")
    }

    /// The host in use (its place in the store's address), for tests and the relay's log.
    public var hostInUse: Int { connection.withLock { $0.index } }

    /// The listener is (again) up: every stream waiter looks once, for what was committed unheard.
    private func startedListening() {
        state.withLock { state in
            state.listening = true
            // Redactions made while it was down were not heard: recent events are read again.
            state.recent.clear()
        }
        publish(head: currentHead(), streams: nil, everyStream: true)
    }

    // MARK: Closing

    public func close() async {
        let already = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        guard !already else { return }
        // Appends already handed over finish first.
        while state.withLock({ $0.committing }) { try? await Task.sleep(for: .milliseconds(2)) }
        listener.withLock { $0 }?.cancel()
        let waiting = state.withLock { $0.waiters.removeAll() }
        for continuation in waiting { continuation.resume(returning: false) }
        connection.withLock { $0.task }.cancel()
    }
}

/// The answer of one operation with a deadline: whichever comes first, the operation's result or the
/// timer's `unavailable`, is given once.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<T, EventLogError>, Never>?
        var work: Task<Void, Never>?
        var timer: Scheduled<Void>?
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Result<T, EventLogError>, Never>, limit: Duration, what: String,
               _ body: @escaping @Sendable () async throws -> T) {
        state.withLock { $0.continuation = continuation }
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        let timer = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
            finish(.failure(EventLogError(code: .unavailable, "cannot \(what): the database did not answer within \(limit)")), timedOut: true)
        }
        let work = Task { [self] in
            do {
                finish(.success(try await body()), timedOut: false)
            } catch {
                finish(.failure(PostgresEventStore.storeError(error, doing: what)), timedOut: false)
            }
        }
        state.withLock { state in
            state.timer = timer
            state.work = work
        }
    }

    func cancel() { state.withLock { $0.work }?.cancel() }

    /// Answers `error` now (unless answered already) and cancels the operation.
    func abandon(_ error: EventLogError) { finish(.failure(error), timedOut: true) }

    /// Gives the first outcome; the loser is stopped (the operation cancelled, or the timer removed).
    private func finish(_ outcome: Result<T, EventLogError>, timedOut: Bool) {
        let (continuation, work, timer) = state.withLock { state in
            defer { state.continuation = nil }
            return (state.continuation, state.work, state.timer)
        }
        guard let continuation else { return }
        if timedOut { work?.cancel() } else { timer?.cancel() }
        continuation.resume(returning: outcome)
    }
}

/// The most recent events of the log, contiguous by position, as this process committed or read
/// them, with a generation that every redaction heard moves on.
struct RecentEvents {
    static let capacity = 4_096
    /// Payload bytes held at most (payloads may be up to 8 MiB each).
    static let byteCapacity = 16 * 1024 * 1024
    private(set) var start: UInt64 = 0
    private var bytes = 0
    /// One past the last position held (or `start` when empty).
    var end: UInt64 { start + UInt64(events.count) }
    private var events: [RecordedEvent] = []
    private(set) var generation: UInt64 = 0

    /// Up to `maxCount` events from `position`, when the first is held; nil otherwise.
    func events(from position: UInt64, maxCount: Int) -> [RecordedEvent]? {
        guard position >= start, position < start + UInt64(events.count) else { return nil }
        let first = Int(position - start)
        return Array(events[first..<min(events.count, first + maxCount)])
    }

    /// Adds a batch in position order: it extends the events held, or replaces them after a gap.
    mutating func add(_ batch: [RecordedEvent]) {
        guard let first = batch.first else { return }
        let end = start + UInt64(events.count)
        if events.isEmpty || first.position > end {
            start = first.position
            events = batch
            bytes = batch.reduce(0) { $0 + $1.payload.count }
        } else if let last = batch.last, last.position >= end {
            let added = batch.drop { $0.position < end }
            events += added
            bytes += added.reduce(0) { $0 + $1.payload.count }
        }
        var excess = max(0, events.count - Self.capacity)
        var freed = events.prefix(excess).reduce(0) { $0 + $1.payload.count }
        while excess < events.count, bytes - freed > Self.byteCapacity {
            freed += events[excess].payload.count
            excess += 1
        }
        if excess > 0 {
            events.removeFirst(excess)
            start += UInt64(excess)
            bytes -= freed
        }
    }

    /// The event at `position` loses its payload here too.
    mutating func redact(_ position: UInt64) {
        generation += 1
        guard position >= start, position < start + UInt64(events.count) else { return }
        let index = Int(position - start), event = events[index]
        bytes -= event.payload.count
        events[index] = RecordedEvent(position: event.position, stream: event.stream, streamVersion: event.streamVersion, id: event.id,
                                      type: event.type, author: event.author, timeMilliseconds: event.timeMilliseconds,
                                      metadata: event.metadata, payload: [], payloadLength: event.payloadLength,
                                      payloadHash: event.payloadHash, chain: event.chain, isRedacted: true)
    }

    mutating func clear() {
        generation += 1
        events = []
        bytes = 0
    }
}
