public import Prometheus

/// The relay's counters, on a registry of its own (so several relays can live in one test process).
/// Labels carry reasons and kinds only: never a conversation id, key, address or agent.
public final class RelayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let connectionsOpen: Gauge
    let connectionsTotal: Counter
    let eventsAppended: Counter
    let eventsDuplicate: Counter
    let eventSignatureChecks: Counter
    let appendLatency: DurationHistogram
    let requestHeadTimeouts: Counter

    public init() {
        connectionsOpen = registry.makeGauge(descriptor: Self.name("connections_open", "WebSocket connections open now"))
        connectionsTotal = registry.makeCounter(descriptor: Self.name("connections_total", "WebSocket connections accepted"))
        eventsAppended = registry.makeCounter(descriptor: Self.name("events_appended_total", "Events stored durably (not counting retries)"))
        eventsDuplicate = registry.makeCounter(
            descriptor: Self.name("events_duplicate_total", "Retried events acknowledged as already stored (nothing written)"))
        eventSignatureChecks = registry.makeCounter(
            descriptor: Self.name("event_signature_checks_total", "Event signatures verified (after every cheap check passed)"))
        requestHeadTimeouts = registry.makeCounter(
            descriptor: Self.name("request_head_timeouts_total", "Connections closed because their first request head came too slowly"))
        appendLatency = registry.makeDurationHistogram(
            descriptor: Self.name("append_seconds", "Time from receiving an open or append to its acknowledgement"),
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(25), .milliseconds(100), .seconds(1)])
    }

    private static func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "netreach", metricName: metric, unitName: "", helpText: help)
    }

    func rejected(_ code: String) {
        registry.makeCounter(descriptor: Self.name("rejected_total", "Requests refused, by reason"), labels: [("reason", code)])
            .increment()
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
