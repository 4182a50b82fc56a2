import EventLog
import Testing

@Suite("EventLog: bad input")
struct BadInputTests {
    @Test("invalid stream names and types are refused",
          arguments: ["", "has space", "slash/", "é", String(repeating: "a", count: 256), "new\nline"])
    func invalidNames(name: String) {
        let error = #expect(throws: EventLogError.self) { try LogName(name) }
        #expect(error?.code == .invalidEvent)
    }

    @Test("valid names are accepted", arguments: ["a", "conv:3f9a-01bc", "message.posted", "A_b-c.d:e"])
    func validNames(name: String) throws {
        #expect(try LogName(name).value == name)
    }

    @Test("bad batches are refused before anything is written")
    func badBatches() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir, configuration: .init(maximumBatchCount: 3)) { store async throws in
            let duplicate = event("dup")
            let cases: [[ProposedEvent]] = [
                [],
                [duplicate, duplicate],
                (0..<4).map { event("\($0)") },
                [ProposedEvent(type: "t", timeMilliseconds: 0, payload: [UInt8](repeating: 1, count: 8 * 1024 * 1024 + 1))],
                [ProposedEvent(type: "t", timeMilliseconds: 0, metadata: [UInt8](repeating: 1, count: 64 * 1024 + 1), payload: [])],
            ]
            for batch in cases {
                let error = await #expect(throws: EventLogError.self) {
                    try await store.append(to: "s", expectedVersion: .any, events: batch)
                }
                #expect(error?.code == .invalidEvent)
            }
            #expect(try await store.head().count == 0)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("still fine")])
            #expect(try await store.head().count == 1)
        }
    }

    @Test("redacting a position past the head is refused")
    func redactMissing() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            let error = await #expect(throws: EventLogError.self) { try await store.redact(position: 0) }
            #expect(error?.code == .notFound)
        }
    }
}
