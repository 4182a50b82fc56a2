import EventLog
import Synchronization
import Testing

/// Waits until `count` waits are registered in `store`: a synchronisation point, so that what a
/// test does next happens to a waiter that is really waiting. The bound only stops a hang.
private func untilWaiting(_ store: FileEventStore, count: Int = 1) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while store.waitingCount < count {
        try #require(ContinuousClock.now < deadline, "\(store.waitingCount) of \(count) waiters registered")
        try await Task.sleep(for: .milliseconds(1))
    }
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
            try await untilWaiting(store)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("new")])
            #expect(try await reader.value == "new")
        }
    }

    @Test("closing the store ends waiting subscriptions")
    func endsOnClose() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path)
        let received = Mutex(0)
        let reader = Task { () -> Int in
            for try await _ in store.subscribe(from: 0) { received.withLock { $0 += 1 } }
            return received.withLock { $0 }
        }
        _ = try await store.append(to: "s", expectedVersion: .any, events: [event("only")])
        // Once it has the event, any earlier wait of its own is over: the one registered now waits for the next.
        let deadline = ContinuousClock.now + .seconds(60)
        while received.withLock({ $0 }) == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        try await untilWaiting(store)
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
            try await untilWaiting(store)
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
            try await untilWaiting(store)
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

    @Test("a stream waiter is not woken by appends to other streams")
    func streamWaiterIgnoresOthers() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "mine", expectedVersion: .any, events: [event("0")])
            // Acknowledged only once the wake-ups of the append before it ran (see below).
            _ = try await store.append(to: "other-0", expectedVersion: .any, events: [event("first synchronisation")])
            let mine = Task { await store.waitForEvents(in: "mine", beyond: 1) }
            let unopened = Task { await store.waitForEvents(in: "unopened", beyond: 0) }
            try await untilWaiting(store, count: 2)
            for n in 0..<20 { _ = try await store.append(to: try StreamName("other-\(n % 3)"), expectedVersion: .any, events: [event("\(n)")]) }
            // The writer wakes a group's waiters before it acknowledges the next group, so once this
            // append is acknowledged every wake-up the appends above caused has happened.
            _ = try await store.append(to: "other-0", expectedVersion: .any, events: [event("synchronisation")])
            // Cancelling now tells the two outcomes apart for certain: a waiter that was woken has
            // already returned true; one still waiting returns false.
            #expect(store.waitingCount == 2)
            mine.cancel()
            unopened.cancel()
            #expect(await mine.value == false, "woken by appends to other streams")
            #expect(await unopened.value == false, "woken by appends to other streams")
        }
    }

    @Test("a stream waiter returns at once when its stream is already past, wakes when it grows, and ends on cancel or close")
    func streamWaiters() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path)
        _ = try await store.append(to: "mine", expectedVersion: .any, events: [event("0")])
        #expect(await store.waitForEvents(in: "mine", beyond: 0), "one event is more than none: no wait")

        let woken = Task { await store.waitForEvents(in: "mine", beyond: 1) }
        try await untilWaiting(store)
        _ = try await store.append(to: "mine", expectedVersion: .any, events: [event("1")])
        #expect(await woken.value)

        let cancelled = Task { await store.waitForEvents(in: "mine", beyond: 5) }
        try await untilWaiting(store)
        cancelled.cancel()
        #expect(await cancelled.value == false)

        let neverOpened = Task { await store.waitForEvents(in: "unopened", beyond: 0) }
        try await untilWaiting(store)
        await store.close()
        #expect(await neverOpened.value == false, "closing the store ends every wait")
    }
}

/// What a follower delivered, as text: `s:payload` for an event of stream `s`, `live@N` for the mark.
private func describe(_ item: FollowedEvent) -> String {
    switch item {
    case .event(let recorded): "\(recorded.stream.value):\(text(recorded))@\(recorded.position)"
    case .live(let position): "live@\(position)"
    }
}

@Suite("EventLog: catch-up-then-live followers (what the relay sends a subscriber)")
struct FollowerTests {
    @Test("the log follower delivers every stored event from a position, then live at the head, then new events; no gap, no duplicate")
    func logFollower() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            for n in 0..<5 { _ = try await store.append(to: n % 2 == 0 ? "a" : "b", expectedVersion: .any, events: [event("\(n)")]) }
            let reader = Task {
                var seen: [String] = []
                for try await item in store.follow(from: 2, batchSize: 2) {
                    seen.append(describe(item))
                    if seen.count == 6 { break }
                }
                return seen
            }
            try await untilWaiting(store)
            _ = try await store.append(to: "b", expectedVersion: .any, events: [event("5")])
            _ = try await store.append(to: "a", expectedVersion: .any, events: [event("6")])
            #expect(try await reader.value == ["a:2@2", "b:3@3", "a:4@4", "live@5", "b:5@5", "a:6@6"])
        }
    }

    @Test("a log follower from beyond the head says live at that position and waits; one from an empty log says live@0")
    func logFollowerBeyondHead() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            var empty = store.follow(from: 0).makeAsyncIterator()
            #expect(try await empty.next().map(describe) == "live@0")
            _ = try await store.append(to: "a", expectedVersion: .any, events: [event("0")])
            var beyond = store.follow(from: 7).makeAsyncIterator()
            #expect(try await beyond.next().map(describe) == "live@7")
            #expect(try await empty.next().map(describe) == "a:0@0")
        }
    }

    @Test("the stream follower delivers only its stream, from a log position, then live at the head when it first read, then its stream's new events")
    func streamFollower() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            for n in 0..<6 { _ = try await store.append(to: n % 2 == 0 ? "a" : "b", expectedVersion: .any, events: [event("\(n)")]) }
            let reader = Task {
                var seen: [String] = []
                for try await item in store.follow(stream: "a", from: 1, batchSize: 1) {
                    seen.append(describe(item))
                    if seen.count == 4 { break }
                }
                return seen
            }
            try await untilWaiting(store)
            // An append to another stream does not wake it; the next one of its own does.
            _ = try await store.append(to: "b", expectedVersion: .any, events: [event("6")])
            _ = try await store.append(to: "a", expectedVersion: .any, events: [event("7")])
            #expect(try await reader.value == ["a:2@2", "a:4@4", "live@6", "a:7@7"])
        }
    }

    @Test("a stream follower of a stream with no events says live and waits for its first")
    func streamFollowerOfEmptyStream() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "b", expectedVersion: .any, events: [event("0")])
            var follower = store.follow(stream: "a", from: 0).makeAsyncIterator()
            #expect(try await follower.next().map(describe) == "live@1")
            _ = try await store.append(to: "a", expectedVersion: .any, events: [event("1")])
            #expect(try await follower.next().map(describe) == "a:1@1")
        }
    }

    @Test("closing the store ends both followers while they wait; cancelling ends them too")
    func followersEndOnCloseAndCancel() async throws {
        let dir = TemporaryDirectory()
        let store = try FileEventStore(directory: dir.path)
        _ = try await store.append(to: "a", expectedVersion: .any, events: [event("0")])
        let log = Task { () -> [String] in
            var seen: [String] = []
            for try await item in store.follow(from: 0) { seen.append(describe(item)) }
            return seen
        }
        let stream = Task { () -> [String] in
            var seen: [String] = []
            for try await item in store.follow(stream: "a", from: 0) { seen.append(describe(item)) }
            return seen
        }
        try await untilWaiting(store, count: 2)
        await store.close()
        #expect(try await log.value == ["a:0@0", "live@1"])
        #expect(try await stream.value == ["a:0@0", "live@1"])

        let dir2 = TemporaryDirectory()
        try await withStore(dir2) { store async throws in
            let waiting = Task { () -> Int in
                var count = 0
                for try await _ in store.follow(stream: "a", from: 0) { count += 1 }
                return count
            }
            try await untilWaiting(store)
            waiting.cancel()
            #expect(try await waiting.value == 1)  // the live mark, then nothing: cancelled while waiting
        }
    }
}
