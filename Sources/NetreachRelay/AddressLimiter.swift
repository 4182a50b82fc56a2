public import NIOCore
import Sodium
import Synchronization

/// Limits how many conversations one network address may open per window, without keeping the
/// address: entries are keyed by BLAKE2b(address) under a random secret that is replaced, along
/// with every count, when the window ends. Nothing here is logged or written anywhere.
///
/// Behind a proxy or a Tor onion service every visitor arrives from the same address; such a
/// deployment turns this off (`limit: 0`) and relies on the proof of work.
public final class AddressLimiter: Sendable {
    public let limit: Int
    public let window: Duration
    /// The clock that ends windows (tests move it by hand).
    private let now: @Sendable () -> ContinuousClock.Instant

    private struct State {
        var secret: SecureBytes
        var windowStart: ContinuousClock.Instant
        var counts: [[UInt8]: Int]
    }

    private let state: Mutex<State>

    /// `limit` opens per address per `window`; 0 means no limit.
    public init(limit: Int, window: Duration = .seconds(3600), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limit = limit
        self.window = window
        self.now = now
        state = Mutex(State(secret: SecureBytes.random(count: 32), windowStart: now(), counts: [:]))
    }

    /// An opaque token for the address, valid until the window ends (nil when there is no address or no limit).
    public func token(for address: SocketAddress?) -> [UInt8]? {
        guard limit > 0, let address else { return nil }
        let bytes: [UInt8]
        switch address {
        case .v4(let v4): bytes = withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: return nil
        }
        return state.withLock { state in
            rotateIfDue(&state)
            return try! GenericHash.hash(bytes, key: state.secret, outputCount: 16)
        }
    }

    /// Counts one open for the token; false when the token has used up its window.
    public func allowOpen(_ token: [UInt8]?) -> Bool {
        guard let token else { return true }
        return state.withLock { state in
            rotateIfDue(&state)
            let count = state.counts[token, default: 0]
            guard count < limit else { return false }
            state.counts[token] = count + 1
            return true
        }
    }

    private func rotateIfDue(_ state: inout State) {
        let instant = now()
        guard instant - state.windowStart >= window else { return }
        state.secret = SecureBytes.random(count: 32)
        state.counts = [:]
        state.windowStart = instant
    }
}
