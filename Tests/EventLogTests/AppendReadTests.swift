import EventLog
import Testing

@Suite("EventLog: appending and reading")
struct AppendReadTests {
    @Test("appended events read back in order with positions and stream versions")
    func appendAndRead() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            let first = try await store.append(to: "conv-a", expectedVersion: .noStream, events: [event("one"), event("two")])
            #expect(first == AppendResult(firstPosition: 0, lastPosition: 1, streamVersion: 1, wasAlreadyPresent: false))
            let second = try await store.append(to: "conv-b", expectedVersion: .any, events: [event("three")])
            #expect(second.firstPosition == 2 && second.streamVersion == 0)
            let all = try await store.read(from: 0, maxCount: 10)
            #expect(all.map(text) == ["one", "two", "three"])
            #expect(all.map(\.position) == [0, 1, 2])
            #expect(all.map(\.streamVersion) == [0, 1, 0])
            #expect(all.map(\.stream) == ["conv-a", "conv-a", "conv-b"])
            #expect(try await store.head().count == 3)
            #expect(try await store.head().chain == all[2].chain)
        }
    }

    @Test("reading a stream returns only its events, from a version")
    func readStream() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            for n in 0..<10 {
                _ = try await store.append(to: n % 2 == 0 ? "even" : "odd", expectedVersion: .any, events: [event("\(n)")])
            }
            #expect(try await store.readStream("even", fromVersion: 0, maxCount: 100).map(text) == ["0", "2", "4", "6", "8"])
            #expect(try await store.readStream("odd", fromVersion: 3, maxCount: 100).map(text) == ["7", "9"])
            #expect(try await store.readStream("odd", fromVersion: 1, maxCount: 2).map(text) == ["3", "5"])
            #expect(try await store.readStream("none", fromVersion: 0, maxCount: 10).isEmpty)
            #expect(try await store.streamVersion("even") == 4)
            #expect(try await store.streamVersion("none") == nil)
        }
    }

    @Test("reading backwards returns the newest first")
    func readBackward() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<5).map { event("\($0)") })
            #expect(try await store.readBackward(from: 3, maxCount: 2).map(text) == ["3", "2"])
            #expect(try await store.readBackward(from: 100, maxCount: 10).map(text) == ["4", "3", "2", "1", "0"])
            #expect(try await store.read(from: 5, maxCount: 10).isEmpty)
        }
    }

    @Test("events survive closing and reopening, and appends continue after them")
    func reopen() async throws {
        let dir = TemporaryDirectory()
        let head = try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .noStream, events: [event("a"), event("b")])
            return try await store.head()
        }
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.tornBytesCut == 0)
            #expect(try await store.head() == head)
            let next = try await store.append(to: "s", expectedVersion: .exact(1), events: [event("c")])
            #expect(next.firstPosition == 2 && next.streamVersion == 2)
            #expect(try await store.read(from: 0, maxCount: 10).map(text) == ["a", "b", "c"])
        }
    }

    @Test("segments roll over and every event reads back across them after a reopen")
    func segmentRollover() async throws {
        let dir = TemporaryDirectory()
        let configuration = FileEventStoreConfiguration(segmentSize: 4096)
        try await withStore(dir, configuration: configuration) { store async throws in
            for n in 0..<200 {
                _ = try await store.append(to: StreamName("s\(n % 7)"), expectedVersion: .any, events: [event(String(repeating: "x", count: n))])
            }
        }
        #expect(dir.segmentNames().count > 5)
        try await withStore(dir, configuration: configuration) { store async throws in
            let all = try await store.read(from: 0, maxCount: 1000)
            #expect(all.count == 200)
            #expect(all.enumerated().allSatisfy { $0.element.payload.count == $0.offset && $0.element.position == UInt64($0.offset) })
            #expect(try await store.readStream("s3", fromVersion: 0, maxCount: 1000).count == 29)
        }
        let verification = try LogVerifier.verify(directory: dir.path)
        #expect(verification.head.count == 200)
    }

    @Test("a second opener of the same directory is refused while the log is open")
    func exclusiveLock() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { _ in
            let error = #expect(throws: EventLogError.self) { try FileEventStore(directory: dir.path) }
            #expect(error?.code == .locked)
        }
        try await withStore(dir) { _ in }
    }

    @Test("appending after close is refused")
    func closed() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path)
        await store.close()
        let error = await #expect(throws: EventLogError.self) {
            try await store.append(to: "s", expectedVersion: .any, events: [event("late")])
        }
        #expect(error?.code == .closed)
    }
}

@Suite("EventLog: closing")
struct ClosingTests {
    @Test("closing releases the directory, so the same process can reopen it while holding the old object")
    func reopenAfterClose() async throws {
        let dir = TemporaryDirectory()
        let first = try FileEventStore(directory: dir.path)
        _ = try await first.append(to: "s", expectedVersion: .any, events: [event("kept")])
        await first.close()
        let second = try FileEventStore(directory: dir.path)
        #expect(try await second.read(from: 0, maxCount: 1).map(text) == ["kept"])
        await second.close()
        _ = first  // the first object is still alive here
    }
}
