import EventLog
import Testing

@Suite("EventLog: expected versions and idempotency")
struct ConcurrencyTests {
    @Test("a wrong expected version is refused with the actual version, and nothing is appended")
    func wrongExpectedVersion() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .noStream, events: [event("a")])
            for expected in [ExpectedVersion.noStream, .exact(5), .exact(1)] {
                let error = await #expect(throws: EventLogError.self) {
                    try await store.append(to: "s", expectedVersion: expected, events: [event("b")])
                }
                #expect(error?.code == .wrongExpectedVersion)
                #expect(error?.actualVersion == 0)
            }
            let missing = await #expect(throws: EventLogError.self) {
                try await store.append(to: "other", expectedVersion: .exact(0), events: [event("c")])
            }
            #expect(missing?.actualVersion == nil)
            #expect(try await store.head().count == 1)
        }
    }

    @Test("of many writers racing for the same version, exactly one wins it and every other is told the version it lost to")
    func racingWriters() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            for version in 0..<UInt64(20) {
                let expected: ExpectedVersion = version == 0 ? .noStream : .exact(version - 1)
                let outcomes = await withTaskGroup(of: Result<AppendResult, EventLogError>.self) { group in
                    for writer in 0..<32 {
                        group.addTask {
                            do throws(EventLogError) {
                                return .success(try await store.append(to: "claim", expectedVersion: expected,
                                                                       events: [event("w\(writer) v\(version)")]))
                            } catch {
                                return .failure(error)
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let winners = outcomes.compactMap { try? $0.get() }
                let losers = outcomes.compactMap { outcome -> EventLogError? in
                    if case .failure(let error) = outcome { return error } else { return nil }
                }
                try #require(winners.count == 1, "version \(version): \(winners.count) winners")
                #expect(winners[0].streamVersion == version && !winners[0].wasAlreadyPresent)
                #expect(losers.count == 31)
                #expect(losers.allSatisfy { $0.code == .wrongExpectedVersion && $0.actualVersion == version },
                        "version \(version): \(losers.filter { $0.code != .wrongExpectedVersion || $0.actualVersion != version })")
            }
            let stream = try await store.readStream("claim", fromVersion: 0, maxCount: 1000)
            #expect(stream.map(\.streamVersion) == Array(0..<20))
            #expect(try await store.head().count == 20)
        }
    }

    @Test("concurrent appends to different streams all land, each exactly once")
    func concurrentAppends() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<64 {
                    group.addTask {
                        for n in 0..<25 {
                            _ = try await store.append(to: StreamName("w\(writer)"), expectedVersion: .any, events: [event("\(writer)-\(n)")])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let all = try await store.read(from: 0, maxCount: 10_000)
            #expect(all.count == 64 * 25)
            #expect(Set(all.map(text)).count == 64 * 25)
            #expect(all.map(\.position) == (0..<UInt64(64 * 25)).map { $0 })
        }
        #expect(try LogVerifier.verify(directory: dir.path).head.count == 64 * 25)
    }

    @Test("appending the same event id again returns the original positions and writes nothing")
    func idempotentRetry() async throws {
        let dir = TemporaryDirectory()
        let batch = [event("hello"), event("again")]
        try await withStore(dir) { store async throws in
            let first = try await store.append(to: "s", expectedVersion: .noStream, events: batch)
            _ = try await store.append(to: "t", expectedVersion: .any, events: [event("between")])
            let retry = try await store.append(to: "s", expectedVersion: .noStream, events: batch)
            #expect(retry.wasAlreadyPresent)
            #expect(retry.firstPosition == first.firstPosition && retry.lastPosition == first.lastPosition)
            #expect(retry.streamVersion == first.streamVersion)
            #expect(try await store.head().count == 3)
        }
        // For the life of the log: still after a reopen.
        try await withStore(dir) { store async throws in
            let retry = try await store.append(to: "s", expectedVersion: .any, events: batch)
            #expect(retry.wasAlreadyPresent && retry.firstPosition == 0)
            #expect(try await store.head().count == 3)
        }
    }

    @Test("the same event id twice in one group commit is stored once")
    func duplicateInOneGroup() async throws {
        let dir = TemporaryDirectory()
        let once = event("once")
        try await withStore(dir) { store async throws in
            let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for _ in 0..<16 { group.addTask { try await store.append(to: "s", expectedVersion: .any, events: [once]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.firstPosition)) == [0])
            #expect(results.filter { !$0.wasAlreadyPresent }.count == 1)
            #expect(try await store.head().count == 1)
        }
    }

    @Test("an event id reused with other content is refused", arguments: ["payload", "stream", "type", "metadata"])
    func idConflict(change: String) async throws {
        let dir = TemporaryDirectory()
        let id = EventID.random()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("x", id: id)])
            var other = event("x", id: id)
            var stream: StreamName = "s"
            switch change {
            case "payload": other = event("y", id: id)
            case "stream": stream = "elsewhere"
            case "type": other = event("x", type: "other.type", id: id)
            default: other = event("x", id: id, metadata: [1])
            }
            let error = await #expect(throws: EventLogError.self) {
                try await store.append(to: stream, expectedVersion: .any, events: [other])
            }
            #expect(error?.code == .duplicateEventConflict)
            #expect(try await store.head().count == 1)
        }
    }

    @Test("a batch of which only part is already stored is refused whole")
    func partialDuplicateBatch() async throws {
        let dir = TemporaryDirectory()
        let stored = event("stored")
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [stored])
            let error = await #expect(throws: EventLogError.self) {
                try await store.append(to: "s", expectedVersion: .any, events: [stored, event("new")])
            }
            #expect(error?.code == .duplicateEventConflict)
            #expect(try await store.head().count == 1)
        }
    }
}
