/// Who waits for the log to grow, for a store to wake (`waitForEvents`): waits for the whole log
/// and waits for one stream, each until the log or the stream holds more than a threshold.
package struct Waiters: ~Copyable {
    package typealias Continuation = CheckedContinuation<Bool, Never>
    private var nextID: UInt64 = 0
    private var log: [UInt64: (threshold: UInt64, continuation: Continuation)] = [:]
    private var streams: [StreamName: [UInt64: (threshold: UInt64, continuation: Continuation)]] = [:]

    package init() {}

    /// A new waiter's id, for `add` and `remove`.
    package mutating func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    /// How many waits are registered.
    package var count: Int { log.count + streams.values.reduce(0) { $0 + $1.count } }

    package mutating func add(_ id: UInt64, stream: StreamName?, threshold: UInt64, continuation: Continuation) {
        if let stream {
            streams[stream, default: [:]][id] = (threshold, continuation)
        } else {
            log[id] = (threshold, continuation)
        }
    }

    /// Takes a waiter out (its task was cancelled); nil when it was already woken.
    package mutating func remove(_ id: UInt64, stream: StreamName?) -> Continuation? {
        guard let stream else { return log.removeValue(forKey: id)?.continuation }
        defer { if streams[stream]?.isEmpty == true { streams[stream] = nil } }
        return streams[stream]?.removeValue(forKey: id)?.continuation
    }

    /// Takes out every waiter the log's `count` events satisfy, and each waiter of a stream in
    /// `written` (stream → its version now) whose threshold that version passes. With `everyStream`,
    /// every stream waiter is taken out to look for itself (the streams written are not known).
    package mutating func ready(count: UInt64, written: [StreamName: UInt64], everyStream: Bool = false) -> [Continuation] {
        var ready: [Continuation] = []
        for (id, waiter) in log where count > waiter.threshold {
            ready.append(waiter.continuation)
            log[id] = nil
        }
        if everyStream {
            for waiting in streams.values { ready += waiting.values.map(\.continuation) }
            streams.removeAll()
            return ready
        }
        for (stream, version) in written {
            guard var waiting = streams[stream] else { continue }
            for (id, waiter) in waiting where version + 1 > waiter.threshold {
                ready.append(waiter.continuation)
                waiting[id] = nil
            }
            streams[stream] = waiting.isEmpty ? nil : waiting
        }
        return ready
    }

    /// Takes out every waiter (the store closes).
    package mutating func removeAll() -> [Continuation] {
        defer {
            log.removeAll()
            streams.removeAll()
        }
        return log.values.map(\.continuation) + streams.values.flatMap { $0.values.map(\.continuation) }
    }
}

extension ExpectedVersion {
    /// Refuses with `wrongExpectedVersion` (and the stream's actual version) when `current` is not what this expects.
    package func check(_ current: UInt64?, stream: StreamName) throws(EventLogError) {
        let matches: Bool = switch self {
        case .any: true
        case .noStream: current == nil
        case .exact(let version): current == version
        }
        guard matches else {
            throw EventLogError(code: .wrongExpectedVersion,
                                "stream \(stream) is at \(current.map(String.init) ?? "no stream"), expected \(self)",
                                actualVersion: current)
        }
    }
}
