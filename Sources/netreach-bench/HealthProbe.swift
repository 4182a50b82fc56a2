import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Polls a relay's `GET /health` once a second until cancelled, each time on a new HTTP connection
/// (`Connection: close`), as a load balancer's check does: under load the relay must keep accepting
/// and answering, not only keep its open WebSockets busy.
final class HealthProbe: Sendable {
    struct Figures: Sendable {
        var polls = 0
        /// Polls without a `200` and `"status":"ok"` within `HealthProbe.timeout`.
        var failures = 0
        var maxMilliseconds = 0.0
        /// The first few different reasons.
        var problems: [String] = []
    }

    /// A check slower than this counts as failed.
    static let timeout: TimeInterval = 5

    private let urls: [URL]
    private let results = Shared(Figures())

    /// Polls every relay in `ports` once a second (each poll counts).
    init(ports: [Int]) throws {
        urls = try ports.map { port in
            guard let url = URL(string: "http://127.0.0.1:\(port)/health") else { throw BenchError("no health URL for port \(port)") }
            return url
        }
    }

    var figures: Figures { results.value }

    /// Polls until the task is cancelled.
    func run() async {
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        var next = ContinuousClock.now
        while !Task.isCancelled {
            for url in urls where !Task.isCancelled { await poll(url, session: session) }
            // Once a second from the start of each round, so that slow answers do not thin out the checks;
            // after a stall longer than that, the next round goes at once rather than several in a burst.
            next = max(next + .seconds(1), ContinuousClock.now)
            try? await Task.sleep(until: next, clock: .continuous)
        }
    }

    private func poll(_ url: URL, session: URLSession) async {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: HealthProbe.timeout)
        request.setValue("close", forHTTPHeaderField: "Connection")
        let started = ContinuousClock.now
        var problem: String?
        do {
            let (data, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status != 200 || !String(decoding: data, as: UTF8.self).contains(#""status":"ok""#) {
                problem = "HTTP \(status): \(String(decoding: data.prefix(200), as: UTF8.self))"
            }
        } catch {
            if Task.isCancelled { return }
            problem = (error as NSError).userInfo[NSLocalizedDescriptionKey] as? String ?? "\(error)"
        }
        let milliseconds = (ContinuousClock.now - started).seconds * 1000
        results.update { figures in
            figures.polls += 1
            figures.maxMilliseconds = max(figures.maxMilliseconds, milliseconds)
            if let problem {
                figures.failures += 1
                if figures.problems.count < 5 && !figures.problems.contains(problem) { figures.problems.append(problem) }
            }
        }
    }
}
