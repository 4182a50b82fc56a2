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
        // Timed waits measure against the monotonic clock, which wall-clock changes cannot move.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
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
    ///
    /// When fewer than `expected` jobs are pending (the last group had more writers than have come
    /// back yet), it waits up to `gatherNanoseconds` for the rest, so they share one flush instead
    /// of paying for one each.
    func takeAll(expected: Int = 1, gatherNanoseconds: Int = 0) -> [WriterJob]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while pending.isEmpty && !closing { pthread_cond_wait(condition, mutex) }
        if pending.isEmpty { return nil }
        if pending.count < expected && gatherNanoseconds > 0 && !closing {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let total = Int(now.tv_nsec) + gatherNanoseconds
            var deadline = timespec(tv_sec: now.tv_sec + total / 1_000_000_000, tv_nsec: total % 1_000_000_000)
            while pending.count < expected && !closing {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
            }
        }
        let jobs = pending
        pending.removeAll(keepingCapacity: true)
        return jobs
    }

    /// Jobs waiting for the writer.
    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return pending.count
    }

    /// Stops accepting work; what is already queued is still handed out.
    func close() {
        pthread_mutex_lock(mutex)
        closing = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
