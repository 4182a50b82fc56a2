import EventLog
public import Logging
public import ServiceLifecycle

/// Runs the relay's retention (docs/PRIVACY.md, "Erasure"): folds the log at start and every
/// `foldInterval`, so that a policy, sealed figures or an erasure request written through another
/// relay of the deployment are known soon; sweeps for expired content at start and every `sweepInterval`.
public struct RetentionService: Service {
    let engine: RetentionEngine
    let sweepInterval: Duration
    let foldInterval: Duration
    let logger: Logger

    public init(engine: RetentionEngine, sweepInterval: Duration = .seconds(3_600), foldInterval: Duration = .seconds(60), logger: Logger) {
        self.engine = engine
        self.sweepInterval = sweepInterval
        self.foldInterval = foldInterval
        self.logger = logger
    }

    public func run() async throws {
        var lastSweep: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if lastSweep.map({ ContinuousClock.now - $0 >= sweepInterval }) ?? true {
                    _ = try await engine.sweep()
                    lastSweep = .now
                } else {
                    try await engine.catchUp()
                }
            } catch {
                // The log refused (full, unavailable, damaged): nothing half-done stays, and the next turn tries again.
                logger.error("retention sweep failed; it is tried again", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: foldInterval) }
            } catch {
                return
            }
        }
    }
}
