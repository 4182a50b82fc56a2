/// What a stream's version must be for an append to go ahead.
public enum ExpectedVersion: Hashable, Sendable {
    /// Append whatever the stream's version.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have this version.
    case exact(UInt64)
}

/// An event as a writer proposes it; the log assigns its position and stream version.
public struct ProposedEvent: Hashable, Sendable {
    public var id: EventID
    public var type: EventType
    public var author: AuthorID
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var timeMilliseconds: UInt64
    public var metadata: [UInt8]
    public var payload: [UInt8]

    public init(id: EventID = .random(), type: EventType, author: AuthorID = .zero, timeMilliseconds: UInt64,
                metadata: [UInt8] = [], payload: [UInt8]) {
        self.id = id
        self.type = type
        self.author = author
        self.timeMilliseconds = timeMilliseconds
        self.metadata = metadata
        self.payload = payload
    }
}

/// An event as stored.
public struct RecordedEvent: Hashable, Sendable {
    public let position: UInt64
    public let stream: StreamName
    public let streamVersion: UInt64
    public let id: EventID
    public let type: EventType
    public let author: AuthorID
    public let timeMilliseconds: UInt64
    public let metadata: [UInt8]
    /// The payload; empty when the event was redacted.
    public let payload: [UInt8]
    /// The payload's length when it was written (kept after redaction).
    public let payloadLength: Int
    public let payloadHash: Digest32
    public let chain: Digest32
    public let isRedacted: Bool

    public init(position: UInt64, stream: StreamName, streamVersion: UInt64, id: EventID, type: EventType, author: AuthorID,
                timeMilliseconds: UInt64, metadata: [UInt8], payload: [UInt8], payloadLength: Int, payloadHash: Digest32,
                chain: Digest32, isRedacted: Bool) {
        self.position = position
        self.stream = stream
        self.streamVersion = streamVersion
        self.id = id
        self.type = type
        self.author = author
        self.timeMilliseconds = timeMilliseconds
        self.metadata = metadata
        self.payload = payload
        self.payloadLength = payloadLength
        self.payloadHash = payloadHash
        self.chain = chain
        self.isRedacted = isRedacted
    }
}

/// What an append did.
public struct AppendResult: Hashable, Sendable {
    /// Position of the first event of the batch.
    public let firstPosition: UInt64
    /// Position of the last event of the batch.
    public let lastPosition: UInt64
    /// The stream's version after the batch: pass it as `.exact` to append after it.
    public let streamVersion: UInt64
    /// True when every event was already in the log (an idempotent retry) and nothing was written.
    public let wasAlreadyPresent: Bool

    public init(firstPosition: UInt64, lastPosition: UInt64, streamVersion: UInt64, wasAlreadyPresent: Bool) {
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.streamVersion = streamVersion
        self.wasAlreadyPresent = wasAlreadyPresent
    }
}

/// The head of the log: how many events it holds, and the chain value of the last one.
public struct LogHead: Hashable, Sendable, CustomStringConvertible {
    public let logID: LogID
    public let count: UInt64
    public let chain: Digest32

    public init(logID: LogID, count: UInt64, chain: Digest32) {
        self.logID = logID
        self.count = count
        self.chain = chain
    }

    public var description: String { "count \(count), chain \(chain)" }
}
