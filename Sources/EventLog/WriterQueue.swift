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
    /// How many pending jobs the writer is waiting for; 0 while it is not waiting. An enqueue wakes
    /// it only once that many are there: while it gathers a group of 64, the first 63 appenders
    /// that come back do not each cost it a wake-up and a context switch.
    private var wanted = 0

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
        if wanted > 0 && pending.count >= wanted { pthread_cond_signal(condition) }
        return true
    }

    /// Blocks until there is work, then takes all of it; nil once closed and drained.
    func takeAll() -> [WriterJob]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        wanted = 1
        defer { wanted = 0 }
        while pending.isEmpty && !closing { pthread_cond_wait(condition, mutex) }
        if pending.isEmpty { return nil }
        return takePending()
    }

    /// Waits until at least `count` jobs are pending, the monotonic clock passes `deadline`, or the
    /// queue closes, then takes what is pending: possibly nothing.
    ///
    /// The writer gathers a group with it: it plans the jobs it has while the rest of the last
    /// group's appenders are still coming back, and is woken once per `count` of them.
    func take(waitingFor count: Int, until deadline: timespec) -> [WriterJob] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        wanted = max(1, count)
        defer { wanted = 0 }
        var deadline = deadline
        while pending.count < count && !closing {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
        }
        return pending.isEmpty ? [] : takePending()
    }

    /// The monotonic clock's reading `nanoseconds` from now, for `take(waitingFor:until:)`.
    static func deadline(after nanoseconds: Int) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = Int(now.tv_nsec) + nanoseconds
        return timespec(tv_sec: now.tv_sec + total / 1_000_000_000, tv_nsec: total % 1_000_000_000)
    }

    /// Called with the mutex held.
    private func takePending() -> [WriterJob] {
        var jobs: [WriterJob] = []
        jobs.reserveCapacity(pending.capacity)
        swap(&jobs, &pending)
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

extension Duration {
    /// The duration in whole nanoseconds, for the POSIX clock calls.
    var wholeNanoseconds: Int {
        Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
    }
}
