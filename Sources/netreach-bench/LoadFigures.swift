import Foundation

/// The figures of a load run, in the order they are printed, and what in them fails the run.
struct LoadFigures {
    private(set) var rows: [(key: String, value: Double, label: String)] = []
    private(set) var problems: [String] = []
    private var details: [String: any Sendable] = [:]

    init(run: LoadRun, staff: [LoadStaff], health: HealthProbe.Figures, phases: LoadBench.Phases, atStart: ProcessSample,
         afterClose: ProcessSample, relayPeakKiB: Double, minutes: Double) {
        var tally = LoadTally()
        for visitor in run.visitors { tally.add(visitor.ledger.tally) }
        let counters = run.counters
        let acked = tally.visitorAcked + tally.repliesAcked

        add("ramp_up_seconds", phases.rampUpSeconds, "ramp-up: all connected, authenticated, opened, subscribed, s")
        add("visitor_messages_acked", tally.visitorAcked, "visitor messages acknowledged")
        add("staff_replies_acked", tally.repliesAcked, "staff replies acknowledged")
        add("messages_per_s", Double(acked) / (minutes * 60), "messages stored per second, both directions")
        add("delivered_to_staff", tally.deliveredToStaff, "visitor → staff delivered (to the assigned staff connection)")
        add("delivered_to_visitors", tally.deliveredToVisitor, "staff → visitor delivered")
        add("lost", tally.lost, "lost: acknowledged, not delivered after settling (must be 0)", mustBeZero: true)
        add("duplicates", tally.duplicates, "delivered twice (must be 0)", mustBeZero: true)
        add("settle_seconds", phases.settleSeconds, "settling after the chat: until all was delivered and answered, s")
        add("visitor_messages_without_reply", tally.unansweredByStaff, "visitor messages delivered but not answered by the end")

        // Every staff connection follows the whole log: each must have had every opening and every message.
        let everyEvent = counters.opened + acked
        add("staff_fanout_events", staff.reduce(0) { $0 + $1.eventsReceived }, "events fanned out to the staff connections")
        add("staff_fanout_missed", staff.reduce(0) { $0 + max(0, everyEvent - $1.eventsReceived) },
            "of those, missed by a staff connection (must be 0)", mustBeZero: true)
        add("staff_out_of_order", staff.reduce(0) { $0 + $1.outOfOrder }, "received out of position order by staff (must be 0)",
            mustBeZero: true)

        let refused = counters.refused.values.reduce(0, +)
        add("appends_refused", refused, "appends refused (must be 0)", mustBeZero: true)
        for (code, count) in counters.refused.sorted(by: { $0.key < $1.key }) {
            add("appends_refused_\(code)", count, "  refused with \(code)")
        }
        for (code, count) in counters.unsolicited.sorted(by: { $0.key < $1.key }) {
            add("errors_unsolicited_\(code)", count, "error \(code) answering no request (must be 0)", mustBeZero: true)
        }
        add("appends_unanswered", counters.unanswered + staff.reduce(0) { $0 + $1.repliesInFlight },
            "appends without an answer when the connection ended (must be 0)", mustBeZero: true)
        add("setup_failures", counters.setupFailures.count, "clients that could not set up (must be 0)", mustBeZero: true)
        add("connections_dropped", counters.dropped, "connections ended by the relay or the network (must be 0)", mustBeZero: true)
        add("clients_left_open", phases.clientsLeftOpen, "clients that did not close by themselves (must be 0)", mustBeZero: true)
        add("corrupt_events", counters.corrupt, "delivered events that did not verify or open (must be 0)", mustBeZero: true)
        add("misdelivered_events", counters.misdelivered, "another conversation's events sent to a visitor (must be 0)",
            mustBeZero: true)

        let toStaff = tally.toStaffMilliseconds.sorted(), toVisitor = tally.toVisitorMilliseconds.sorted()
        add("latency_to_staff_p50_ms", Self.percentile(toStaff, 0.5), "latency visitor → staff p50, ms (send → receipt)")
        add("latency_to_staff_p99_ms", Self.percentile(toStaff, 0.99), "latency visitor → staff p99, ms")
        add("latency_to_staff_max_ms", toStaff.last ?? 0, "latency visitor → staff max, ms")
        add("latency_to_visitor_p50_ms", Self.percentile(toVisitor, 0.5), "latency staff → visitor p50, ms")
        add("latency_to_visitor_p99_ms", Self.percentile(toVisitor, 0.99), "latency staff → visitor p99, ms")
        add("latency_to_visitor_max_ms", toVisitor.last ?? 0, "latency staff → visitor max, ms")

        add("relay_rss_start_mib", atStart.residentKiB / 1024, "relay RSS at start, MiB")
        add("relay_rss_after_ramp_up_mib", phases.afterRampUp.residentKiB / 1024, "relay RSS after the ramp-up, MiB")
        add("relay_rss_end_of_chat_mib", phases.chatEnd.relay.residentKiB / 1024, "relay RSS at the end of the chat, MiB")
        add("relay_rss_peak_mib", relayPeakKiB / 1024, "relay RSS peak, sampled once a second from the start, MiB")
        add("relay_rss_high_water_mib", afterClose.peakResidentKiB / 1024, "relay VmHWM, MiB (includes unlocking its key at start-up)")
        add("relay_rss_after_close_mib", afterClose.residentKiB / 1024, "relay RSS once every client closed, MiB")
        add("relay_cpu_cores", phases.chatEnd.relay.coresUsed(since: phases.chatStart.relay), "relay CPU during the chat, cores")
        add("bench_cpu_cores", phases.chatEnd.bench.coresUsed(since: phases.chatStart.bench),
            "this bench's CPU during the chat, cores (same machine)")

        add("health_polls", health.polls, "/health polls, one a second throughout")
        add("health_failures", health.failures, "/health failures (must be 0)", mustBeZero: true)
        add("health_max_ms", health.maxMilliseconds, "/health slowest answer, ms")

        details["appends_refused_by_code"] = counters.refused
        details["health_problems"] = health.problems
        details["setup_failures_first"] = Array(counters.setupFailures.prefix(5))
        problems += health.problems.map { "a health check failed: \($0)" }
        problems += counters.setupFailures.prefix(5).map { "set-up failed: \($0)" }
    }

    private mutating func add(_ key: String, _ value: Int, _ label: String, mustBeZero: Bool = false) {
        add(key, Double(value), label, mustBeZero: mustBeZero)
    }

    private mutating func add(_ key: String, _ value: Double, _ label: String, mustBeZero: Bool = false) {
        rows.append((key, value, label))
        if mustBeZero && value != 0 { problems.append("\(key) = \(Int(value))") }
    }

    func printTable() {
        for row in rows {
            let padded = row.label.count < 68 ? row.label + String(repeating: " ", count: 68 - row.label.count) : row.label
            print("  " + padded + String(format: "%12.2f", row.value))
        }
    }

    func write(to path: String, parameters: [String: any Sendable]) throws {
        var document: [String: any Sendable] = [:]
        for row in rows { document[row.key] = row.value }
        for (key, value) in details { document[key] = value }
        for (key, value) in parameters { document[key] = value }
        try writeFigures(document, to: path)
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

/// Writes a benchmark's figures and parameters as one JSON object, with the time they were measured.
func writeFigures(_ figures: [String: any Sendable], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var document: [String: Any] = figures
    document["measured_at"] = ISO8601DateFormatter().string(from: Date())
    try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
}
