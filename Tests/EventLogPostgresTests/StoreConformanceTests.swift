import EventLog
import EventLogPostgres
import PostgresTestSupport
import Foundation
import Synchronization
import Testing

/// The two stores the relay can run on.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case file, postgres
    var testDescription: String { rawValue }
}

/// Opens an empty store of `kind`, runs `body`, and closes and removes it whatever happens.
func withEmptyStore<Result>(_ kind: StoreKind, _ body: (any EventStore) async throws -> Result) async throws -> Result {
    switch kind {
    case .file:
        let directory = NSTemporaryDirectory() + "netreach-conformance-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FileEventStore(directory: directory)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    case .postgres:
        return try await withTestDatabase { server, database in
            try await withPostgresStore(server, database) { store in try await body(store) }
        }
    }
}

func proposed(_ text: String, id: EventID = .random(), type: EventType = "test.event", metadata: [UInt8] = []) -> ProposedEvent {
    ProposedEvent(id: id, type: type, author: try! AuthorID(Array(repeating: 7, count: 16)), timeMilliseconds: 1_700_000_000_000,
                  metadata: metadata, payload: Array(text.utf8))
}

func payloadText(_ event: RecordedEvent) -> String { String(decoding: event.payload, as: UTF8.self) }

/// Recomputes the chain of `events` (the whole log, from position 0) and says whether it reaches `head`.
func chainReaches(_ head: LogHead, through events: [RecordedEvent]) -> Bool {
    var chain = RecordCodec.genesis(logID: head.logID)
    for (index, event) in events.enumerated() {
        guard event.position == UInt64(index), RecordCodec.chain(of: event, previous: chain) == event.chain else { return false }
        chain = event.chain
    }
    return UInt64(events.count) == head.count && chain == head.chain
}

/// The `EventStore` contract, run against the file store and the PostgreSQL store alike: what the
/// relay relies on must hold on both (docs/LOG-FORMAT.md, "PostgreSQL").
@Suite("EventStore conformance: the file store and the PostgreSQL store")
struct StoreConformanceTests {
    @Test("positions have no gap, versions count per stream, the chain verifies from genesis to the head", arguments: StoreKind.allCases)
    func positionsVersionsChain(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            #expect(try await store.head().count == 0)
            let first = try await store.append(to: "a", expectedVersion: .noStream, events: [proposed("a0"), proposed("a1")])
            #expect(first == AppendResult(firstPosition: 0, lastPosition: 1, streamVersion: 1, wasAlreadyPresent: false))
            let second = try await store.append(to: "b", expectedVersion: .any, events: [proposed("b0")])
            #expect(second == AppendResult(firstPosition: 2, lastPosition: 2, streamVersion: 0, wasAlreadyPresent: false))
            let third = try await store.append(to: "a", expectedVersion: .exact(1), events: [proposed("a2")])
            #expect(third.firstPosition == 3 && third.streamVersion == 2)
            let all = try await store.read(from: 0, maxCount: 100)
            #expect(all.map(payloadText) == ["a0", "a1", "b0", "a2"])
            #expect(all.map(\.streamVersion) == [0, 1, 0, 2])
            let head = try await store.head()
            #expect(head == store.currentHead())
            #expect(chainReaches(head, through: all))
            #expect(try await store.readStream("a", fromVersion: 1, maxCount: 10).map(payloadText) == ["a1", "a2"])
            #expect(try await store.readBackward(from: 2, maxCount: 2).map(payloadText) == ["b0", "a1"])
            #expect(try await store.read(from: 2, maxCount: 1).map(payloadText) == ["b0"])
            #expect(try await store.read(from: 9, maxCount: 5).isEmpty)
            #expect(try await store.streamVersion("a") == 2)
            #expect(try await store.streamVersion("none") == nil)
        }
    }

    @Test("an expected version that does not hold is refused with the actual one, and nothing is stored", arguments: StoreKind.allCases)
    func expectedVersions(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [proposed("0")])
            for expected in [ExpectedVersion.noStream, .exact(5)] {
                do throws(EventLogError) {
                    _ = try await store.append(to: "s", expectedVersion: expected, events: [proposed("x")])
                    Issue.record("\(expected) was accepted")
                } catch {
                    #expect(error.code == .wrongExpectedVersion && error.actualVersion == 0)
                }
            }
            do throws(EventLogError) {
                _ = try await store.append(to: "new", expectedVersion: .exact(0), events: [proposed("x")])
                Issue.record("exact(0) on a new stream was accepted")
            } catch {
                #expect(error.code == .wrongExpectedVersion && error.actualVersion == nil)
            }
            #expect(try await store.head().count == 1)
        }
    }

    @Test("the same events again are answered, not stored twice; the same id with other content is refused", arguments: StoreKind.allCases)
    func idempotency(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            let batch = [proposed("one"), proposed("two")]
            let stored = try await store.append(to: "s", expectedVersion: .any, events: batch)
            let again = try await store.append(to: "s", expectedVersion: .exact(7), events: batch)
            #expect(again == AppendResult(firstPosition: stored.firstPosition, lastPosition: stored.lastPosition,
                                          streamVersion: stored.streamVersion, wasAlreadyPresent: true))
            for conflicting in [[proposed("other", id: batch[0].id)], [batch[0], proposed("new")], [proposed("one", id: batch[0].id, type: "other.type")]] {
                do throws(EventLogError) {
                    _ = try await store.append(to: "s", expectedVersion: .any, events: conflicting)
                    Issue.record("a conflicting reuse of an id was accepted")
                } catch {
                    #expect(error.code == .duplicateEventConflict)
                }
            }
            #expect(try await store.head().count == 2)
        }
    }

    @Test("bad appends are refused with invalidEvent before anything is stored", arguments: StoreKind.allCases)
    func badAppends(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            let event = proposed("x")
            let bad: [[ProposedEvent]] = [[], [event, event], [proposed("m", metadata: Array(repeating: 1, count: 64 * 1024 + 1))]]
            for events in bad {
                do throws(EventLogError) {
                    _ = try await store.append(to: "s", expectedVersion: .any, events: events)
                    Issue.record("accepted: \(events.count) events")
                } catch {
                    #expect(error.code == .invalidEvent)
                }
            }
            let count = try await store.head().count
            #expect(count == 0)
        }
    }

    @Test("64 concurrent appenders: every append acknowledged once, positions 0..<N without gap, the chain verifies", arguments: StoreKind.allCases)
    func concurrentAppenders(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            let positions = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for writer in 0..<64 {
                    group.addTask {
                        var mine: [UInt64] = []
                        for n in 0..<5 {
                            mine.append(try await store.append(to: try StreamName("w\(writer)"), expectedVersion: n == 0 ? .noStream : .exact(UInt64(n - 1)),
                                                               events: [proposed("\(writer).\(n)")]).firstPosition)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(positions.sorted() == (0..<320).map { UInt64($0) })
            #expect(chainReaches(try await store.head(), through: try await store.read(from: 0, maxCount: 1000)))
        }
    }

    @Test("redaction removes a payload and keeps the chain; redacting again says so; an unknown position is notFound", arguments: StoreKind.allCases)
    func redaction(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            for n in 0..<3 { _ = try await store.append(to: "s", expectedVersion: .any, events: [proposed("secret \(n)")]) }
            #expect(try await store.redact(position: 1))
            #expect(try await store.redact(position: 1) == false)
            let all = try await store.read(from: 0, maxCount: 10)
            #expect(all[1].isRedacted && all[1].payload.isEmpty && all[1].payloadLength == 8)
            #expect(payloadText(all[0]) == "secret 0" && payloadText(all[2]) == "secret 2")
            #expect(chainReaches(try await store.head(), through: all))
            do throws(EventLogError) {
                try await store.redact(position: 3)
                Issue.record("redacting beyond the head was accepted")
            } catch {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test("the store verifier walks the whole log through the protocol: intact with a redaction, head and redactions counted", arguments: StoreKind.allCases)
    func storeVerifier(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            for n in 0..<30 { _ = try await store.append(to: try StreamName("s\(n % 3)"), expectedVersion: .any, events: [proposed("\(n)")]) }
            try await store.redact(position: 4)
            let verification = try await verify(store)
            #expect(verification.head == (try await store.head()) && verification.redactedEvents == 1)
        }
    }

    @Test("followers: the log's and one stream's, stored events then live then new ones", arguments: StoreKind.allCases)
    func followers(kind: StoreKind) async throws {
        try await withEmptyStore(kind) { store in
            for n in 0..<4 { _ = try await store.append(to: n % 2 == 0 ? "a" : "b", expectedVersion: .any, events: [proposed("\(n)")]) }
            let log = Task { try await collectLog(store, from: 1, count: 5) }
            let stream = Task { try await collectStream(store, "a", from: 0, count: 4) }
            try await Task.sleep(for: .milliseconds(200))
            _ = try await store.append(to: "b", expectedVersion: .any, events: [proposed("4")])
            _ = try await store.append(to: "a", expectedVersion: .any, events: [proposed("5")])
            #expect(try await log.value == ["b:1", "a:2", "b:3", "live@4", "b:4"])
            #expect(try await stream.value == ["a:0", "a:2", "live@4", "a:5"])
        }
    }
}

/// The first `count` things a follower delivers, as `stream:payload` or `live@position`.
func collect<Followed: AsyncSequence>(_ followed: Followed, count: Int) async throws -> [String] where Followed.Element == FollowedEvent {
    var seen: [String] = []
    for try await item in followed {
        switch item {
        case .event(let recorded): seen.append("\(recorded.stream.value):\(payloadText(recorded))")
        case .live(let position): seen.append("live@\(position)")
        }
        if seen.count == count { break }
    }
    return seen
}

func collectLog<Store: EventStore>(_ store: Store, from: UInt64, count: Int) async throws -> [String] {
    try await collect(store.follow(from: from), count: count)
}

func collectStream<Store: EventStore>(_ store: Store, _ stream: StreamName, from: UInt64, count: Int) async throws -> [String] {
    try await collect(store.follow(stream: stream, from: from), count: count)
}

func verify<Store: EventStore>(_ store: Store) async throws -> StoreVerification {
    try await StoreVerifier.verify(store, batchSize: 7)
}
