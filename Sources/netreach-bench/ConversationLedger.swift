import EventLog
import Synchronization

/// What happened to one conversation's messages, written by its visitor and by the staff connection that answers it.
final class ConversationLedger: Sendable {
    private struct State {
        var sent: [EventID: ContinuousClock.Instant] = [:]
        var acked: Set<EventID> = []
        var deliveredToStaff: Set<EventID> = []
        var repliesSent: [EventID: ContinuousClock.Instant] = [:]
        var repliesAcked: Set<EventID> = []
        var repliesRefused = 0
        var deliveredToVisitor: Set<EventID> = []
        var duplicates = 0
        var toStaffMilliseconds: [Double] = []
        var toVisitorMilliseconds: [Double] = []
    }

    private let state = Mutex(State())

    func sending(_ id: EventID) { state.withLock { $0.sent[id] = .now } }
    func acked(_ id: EventID) { state.withLock { _ = $0.acked.insert(id) } }

    /// A visitor message reached its staff connection; false if it had before (a duplicate, which needs no second reply).
    func deliveredToStaff(_ id: EventID, at time: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            guard state.deliveredToStaff.insert(id).inserted else {
                state.duplicates += 1
                return false
            }
            if let sent = state.sent[id] { state.toStaffMilliseconds.append((time - sent).seconds * 1000) }
            return true
        }
    }

    func replySending(_ id: EventID) { state.withLock { $0.repliesSent[id] = .now } }

    func replyAnswered(_ id: EventID, acked: Bool) {
        state.withLock { state in
            if acked { state.repliesAcked.insert(id) } else { state.repliesRefused += 1 }
        }
    }

    func deliveredToVisitor(_ id: EventID, at time: ContinuousClock.Instant) {
        state.withLock { state in
            guard state.deliveredToVisitor.insert(id).inserted else {
                state.duplicates += 1
                return
            }
            if let sent = state.repliesSent[id] { state.toVisitorMilliseconds.append((time - sent).seconds * 1000) }
        }
    }

    /// Everything acknowledged has been delivered, and every delivered visitor message has an answered reply.
    var isSettled: Bool {
        state.withLock { state in
            state.acked.isSubset(of: state.deliveredToStaff) && state.repliesSent.count == state.deliveredToStaff.count
                && state.repliesAcked.count + state.repliesRefused == state.repliesSent.count
                && state.repliesAcked.isSubset(of: state.deliveredToVisitor)
        }
    }

    var tally: LoadTally {
        state.withLock { state in
            LoadTally(visitorSent: state.sent.count, visitorAcked: state.acked.count, repliesSent: state.repliesSent.count,
                      repliesAcked: state.repliesAcked.count, repliesRefused: state.repliesRefused,
                      deliveredToStaff: state.deliveredToStaff.count, deliveredToVisitor: state.deliveredToVisitor.count,
                      lostToStaff: state.acked.subtracting(state.deliveredToStaff).count,
                      lostToVisitor: state.repliesAcked.subtracting(state.deliveredToVisitor).count,
                      unansweredByStaff: state.deliveredToStaff.count - state.repliesSent.count, duplicates: state.duplicates,
                      toStaffMilliseconds: state.toStaffMilliseconds, toVisitorMilliseconds: state.toVisitorMilliseconds)
        }
    }
}

/// The sum of every conversation's ledger.
struct LoadTally {
    var visitorSent = 0, visitorAcked = 0, repliesSent = 0, repliesAcked = 0, repliesRefused = 0
    var deliveredToStaff = 0, deliveredToVisitor = 0
    /// Acknowledged but never delivered to the other side.
    var lostToStaff = 0, lostToVisitor = 0
    /// Visitor messages that reached their staff connection but got no reply before the end.
    var unansweredByStaff = 0
    var duplicates = 0
    var toStaffMilliseconds: [Double] = [], toVisitorMilliseconds: [Double] = []

    var lost: Int { lostToStaff + lostToVisitor }

    mutating func add(_ other: LoadTally) {
        visitorSent += other.visitorSent
        visitorAcked += other.visitorAcked
        repliesSent += other.repliesSent
        repliesAcked += other.repliesAcked
        repliesRefused += other.repliesRefused
        deliveredToStaff += other.deliveredToStaff
        deliveredToVisitor += other.deliveredToVisitor
        lostToStaff += other.lostToStaff
        lostToVisitor += other.lostToVisitor
        unansweredByStaff += other.unansweredByStaff
        duplicates += other.duplicates
        toStaffMilliseconds += other.toStaffMilliseconds
        toVisitorMilliseconds += other.toVisitorMilliseconds
    }
}
