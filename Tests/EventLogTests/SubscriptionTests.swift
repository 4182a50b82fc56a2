import EventLog
import Synchronization
import Testing

/// Set once a wait has returned, so that a test can see a waiter is still waiting.
private final class Returned: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite("EventLog: subscriptions")
struct SubscriptionTests {
    @Test("a subscriber catches up on stored events, then receives new ones live, without gap or duplicate")
    func catchUpThenLive() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            for n in 0..<300 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("\(n)")]) }
            let reader = Task {
                var seen: [UInt64] = []
                for try await recorded in store.subscribe(from: 100, batchSize: 64) {
                    seen.append(recorded.position)
                    if seen.count == 400 { break }
                }
                return seen
            }
            for n in 300..<500 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("\(n)")]) }
            let seen = try await reader.value
            #expect(seen == (100..<500).map { UInt64($0) })
        }
    }

    @Test("a subscription from the head waits for the next event")
    func waitsAtHead() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("old")])
            let reader = Task { () -> String? in
                for try await recorded in store.subscribe(from: 1) { return text(recorded) }
                return nil
            }
            try await Task.sleep(for: .milliseconds(50))
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("new")])
            #expect(try await reader.value == "new")
        }
    }

    @Test("closing the store ends waiting subscriptions")
    func endsOnClose() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path)
        let reader = Task { () -> Int in
            var count = 0
            for try await _ in store.subscribe(from: 0) { count += 1 }
            return count
        }
        _ = try await store.append(to: "s", expectedVersion: .any, events: [event("only")])
        try await Task.sleep(for: .milliseconds(50))
        await store.close()
        #expect(try await reader.value == 1)
    }

    @Test("cancelling the subscriber's task ends its subscription")
    func endsOnCancel() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            let reader = Task { () -> Int in
                var count = 0
                for try await _ in store.subscribe(from: 0) { count += 1 }
                return count
            }
            try await Task.sleep(for: .milliseconds(50))
            reader.cancel()
            #expect(try await reader.value == 0)
        }
    }

    @Test("a live subscriber that falls too far behind is told so")
    func fellBehind() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("first")])
            var iterator = store.subscribe(from: 0, maximumLag: 10, batchSize: 1).makeAsyncIterator()
            #expect(try await iterator.next()?.position == 0)
            // The next call finds nothing stored yet: the subscriber has caught up and waits live.
            let waiting = Task { [iterator] in
                var live = iterator
                let position = try await live.next()?.position
                return (position, live)
            }
            try await Task.sleep(for: .milliseconds(50))
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("second")])
            let (position, live) = try await waiting.value
            #expect(position == 1)
            iterator = live
            // Now the log runs 50 events ahead, more than the allowed lag of 10.
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<50).map { event("\($0)") })
            var failure: EventLogError?
            do { _ = try await iterator.next() } catch let error as EventLogError { failure = error }
            #expect(failure?.code == .subscriberFellBehind)
        }
    }

    @Test("a subscriber starting far behind catches up without being told it fell behind")
    func catchingUpIsNotFallingBehind() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<100).map { event("\($0)") })
            var count = 0
            for try await _ in store.subscribe(from: 0, maximumLag: 5, batchSize: 7) {
                count += 1
                if count == 100 { break }
            }
            #expect(count == 100)
        }
    }

    @Test("a stream waiter wakes for its own stream only, at once when it is already past, and ends on cancel or close")
    func streamWaiters() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path)
        _ = try await store.append(to: "mine", expectedVersion: .any, events: [event("0")])
        #expect(await store.waitForEvents(in: "mine", beyond: 0), "one event is more than none: no wait")

        let (wokenReturned, neverReturned) = (Returned(), Returned())
        let woken = Task {
            defer { wokenReturned.set() }
            return await store.waitForEvents(in: "mine", beyond: 1)
        }
        let neverOpened = Task {
            defer { neverReturned.set() }
            return await store.waitForEvents(in: "unopened", beyond: 0)
        }
        try await Task.sleep(for: .milliseconds(50))
        for n in 0..<20 { _ = try await store.append(to: try StreamName("other-\(n % 3)"), expectedVersion: .any, events: [event("\(n)")]) }
        try await Task.sleep(for: .milliseconds(100))
        // Appends elsewhere leave both waiting: the first wakes only when its stream grows.
        #expect(!wokenReturned.isSet && !neverReturned.isSet)
        _ = try await store.append(to: "mine", expectedVersion: .any, events: [event("1")])
        #expect(await woken.value)
        #expect(!neverReturned.isSet)

        let cancelled = Task { await store.waitForEvents(in: "mine", beyond: 5) }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        #expect(await cancelled.value == false)

        await store.close()
        #expect(await neverOpened.value == false, "closing the store ends every wait")
    }
}
