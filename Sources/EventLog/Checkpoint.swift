public import Sodium

/// A log head signed with an Ed25519 key (docs/LOG-FORMAT.md, "Checkpoints"). Whoever keeps one can
/// later prove that the log was only appended to since.
public struct Checkpoint: Hashable, Sendable {
    public let head: LogHead
    public let signer: SigningPublicKey
    public let signature: Signature

    /// The exact bytes that are signed.
    public static func signedInput(_ head: LogHead) -> [UInt8] {
        var input = Array("netreach/v1/log-checkpoint".utf8) + [0]
        input += head.logID.bytes
        input.appendLittleEndian(head.count)
        input += head.chain.bytes
        return input
    }

    /// Signs `head` with `key`.
    public init(signing head: LogHead, with key: SigningKeyPair) {
        self.head = head
        signer = key.publicKey
        signature = key.sign(Checkpoint.signedInput(head))
    }

    /// Rebuilds a checkpoint from its parts, checking the signature.
    public init(head: LogHead, signer: SigningPublicKey, signature: Signature) throws(EventLogError) {
        guard signer.isValidSignature(signature, for: Checkpoint.signedInput(head)) else {
            throw EventLogError(code: .checkpointMismatch, "the checkpoint's signature does not verify")
        }
        self.head = head
        self.signer = signer
        self.signature = signature
    }

    /// Whether the signature holds for this head and signer.
    public var isValid: Bool { signer.isValidSignature(signature, for: Checkpoint.signedInput(head)) }
}

extension EventStore {
    /// Proves that this log extends `checkpoint`: the record at its last position has its chain value,
    /// and every later record's chain follows from it up to the current head. Returns that head.
    public func verifyExtends(_ checkpoint: Checkpoint, trusting signer: SigningPublicKey) async throws(EventLogError) -> LogHead {
        guard checkpoint.signer == signer, checkpoint.isValid else {
            throw EventLogError(code: .checkpointMismatch, "the checkpoint is not signed by the trusted key")
        }
        guard checkpoint.head.logID == logID else {
            throw EventLogError(code: .checkpointMismatch, "the checkpoint is of another log (\(checkpoint.head.logID))")
        }
        let head = try await self.head()
        guard head.count >= checkpoint.head.count else {
            throw EventLogError(code: .checkpointMismatch,
                                "the log has \(head.count) events, fewer than the checkpoint's \(checkpoint.head.count)")
        }
        var chain: Digest32
        if checkpoint.head.count == 0 {
            chain = RecordCodec.genesis(logID: logID)
        } else {
            guard let last = try await read(from: checkpoint.head.count - 1, maxCount: 1).first else {
                throw EventLogError(code: .checkpointMismatch, "the checkpoint's last event is missing")
            }
            chain = last.chain
        }
        guard chain == checkpoint.head.chain else {
            throw EventLogError(code: .checkpointMismatch, "the log's history differs from the checkpoint's",
                                position: checkpoint.head.count == 0 ? nil : checkpoint.head.count - 1)
        }
        var position = checkpoint.head.count
        while position < head.count {
            let events = try await read(from: position, maxCount: 1024)
            guard !events.isEmpty else { break }
            for event in events {
                let expected = RecordCodec.chain(of: event, previous: chain)
                guard expected == event.chain else {
                    throw EventLogError(code: .brokenChain, "the chain breaks after the checkpoint", position: event.position)
                }
                chain = event.chain
            }
            position = events[events.count - 1].position + 1
        }
        guard chain == head.chain else {
            throw EventLogError(code: .checkpointMismatch, "the recomputed chain does not reach the head")
        }
        return head
    }
}

extension RecordCodec {
    /// Recomputes an event's chain value from its fields, so any store or replica can check the chain.
    public static func chain(of event: RecordedEvent, previous: Digest32) -> Digest32 {
        let proposed = ProposedEvent(id: event.id, type: event.type, author: event.author,
                                     timeMilliseconds: event.timeMilliseconds, metadata: event.metadata,
                                     payload: [UInt8](repeating: 0, count: event.payloadLength))
        var frame: [UInt8] = []
        // The payload bytes and the write group are outside the chain (only the payload's hash is in
        // it), so zeros stand in for them.
        return encode(proposed, stream: event.stream, position: event.position, version: event.streamVersion, group: 0,
                      batchContinues: false, previous: previous, payloadHash: event.payloadHash, into: &frame)
    }
}
