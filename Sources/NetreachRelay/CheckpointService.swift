public import EventLog
import Foundation
public import Logging
import NetreachCore
public import ServiceLifecycle
public import Sodium

/// Appends a relay-signed checkpoint of the log head (docs/LOG-FORMAT.md, "Checkpoints") to the
/// `system` stream every `interval` while events arrive, and once more at shutdown.
public struct CheckpointService: Service {
    public static let stream: StreamName = "system"
    public static let type: EventType = "checkpoint.signed"

    let core: RelayCore
    let interval: Duration
    let logger: Logger

    public init(core: RelayCore, interval: Duration = .seconds(300), logger: Logger) {
        self.core = core
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var signed: UInt64 = 0
        // The wait ends early at graceful shutdown; the launcher signs the last checkpoint after the server stops.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            signed = await checkpoint(after: signed)
        }
    }

    /// Signs and appends the current head if anything was appended since `previous`; returns the
    /// count it covered, or `previous` when the append failed, so that the next turn tries again.
    @discardableResult
    public func checkpoint(after previous: UInt64 = 0) async -> UInt64 {
        let head = core.store.currentHead()
        guard head.count > previous else { return previous }
        let checkpoint = Checkpoint(signing: head, with: core.relayKey)
        let payload = Checkpoint.signedInput(head) + checkpoint.signature.bytes
        let event = ProposedEvent(type: Self.type, author: KeyID(core.relayKey.publicKey).authorID,
                                  timeMilliseconds: core.clock(), payload: payload)
        do {
            _ = try await core.store.append(to: Self.stream, expectedVersion: .any, events: [event])
            logger.info("checkpoint signed", metadata: ["count": "\(head.count)"])
        } catch {
            logger.error("cannot append a checkpoint", metadata: ["error": "\(error)"])
            return previous
        }
        return head.count + 1
    }
}

extension CheckpointService {
    /// The signed head and signature a checkpoint record carries (the payload `checkpoint` writes:
    /// the signed input, then the 64-byte signature), or nil for any other record. The signature is
    /// not checked here; `Checkpoint(head:signer:signature:)` does that against a trusted key.
    public static func claim(in record: RecordedEvent) -> (head: LogHead, signature: Signature)? {
        guard record.stream == stream, record.type == type, !record.isRedacted else { return nil }
        let prefix = Array("netreach/v1/log-checkpoint".utf8) + [0]
        let payload = record.payload
        guard payload.count == prefix.count + 16 + 8 + 32 + Signature.count, Array(payload.prefix(prefix.count)) == prefix else { return nil }
        var at = prefix.count
        guard let logID = try? LogID(payload[at..<at + 16]) else { return nil }
        at += 16
        let count = payload[at..<at + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        at += 8
        guard let chain = try? Digest32(payload[at..<at + 32]), let signature = try? Signature(Array(payload[(at + 32)...])) else { return nil }
        return (LogHead(logID: logID, count: count, chain: chain), signature)
    }
}
