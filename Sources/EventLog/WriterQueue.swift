#if canImport(Glibc)
import Glibc
#endif

/// Work for the writer thread.
enum WriterJob {
    case append(AppendJob)
    case redact(position: UInt64, reply: CheckedContinuation<Result<Bool, EventLogError>, Never>)
}

struct AppendJob {
    let stream: StreamName
    let expected: ExpectedVersion
    let events: [ProposedEvent]
    let payloadHashes: [Digest32]
    let reply: CheckedContinuation<Result<AppendResult, EventLogError>, Never>
}

/// The hand-off between async callers and the writer thread: a mutex and a condition variable.
/// The writer takes everything pending at once, which is what turns concurrent appends into one
/// write and one flush (group commit).
final class WriterQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var pending: [WriterJob] = []
    private var closing = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Adds a job; false when the queue no longer accepts work.
    func enqueue(_ job: WriterJob) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closing else { return false }
        pending.append(job)
        pthread_cond_signal(condition)
        return true
    }

    /// Blocks until there is work, then takes all of it; nil once closed and drained.
    func takeAll() -> [WriterJob]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while pending.isEmpty && !closing { pthread_cond_wait(condition, mutex) }
        if pending.isEmpty { return nil }
        let jobs = pending
        pending.removeAll(keepingCapacity: true)
        return jobs
    }

    /// Stops accepting work; what is already queued is still handed out.
    func close() {
        pthread_mutex_lock(mutex)
        closing = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
