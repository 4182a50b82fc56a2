/// A failure of the event log: a stable code, a human message, and where it happened when that is known.
public struct EventLogError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The stream is not at the version the append expected; `actualVersion` says where it is.
        public static let wrongExpectedVersion = Code("wrongExpectedVersion")
        /// An event id already in the log was appended again with different content.
        public static let duplicateEventConflict = Code("duplicateEventConflict")
        /// An event or name broke a rule (length, characters, empty batch).
        public static let invalidEvent = Code("invalidEvent")
        /// A record frame failed its checksum, or its fields are impossible.
        public static let corruptRecord = Code("corruptRecord")
        /// A record's chain value does not follow from the records before it.
        public static let brokenChain = Code("brokenChain")
        /// A segment file is missing: positions jump between segments.
        public static let missingSegment = Code("missingSegment")
        /// A record's position is not the next one.
        public static let positionGap = Code("positionGap")
        /// A segment header is unreadable or belongs to another log.
        public static let corruptSegmentHeader = Code("corruptSegmentHeader")
        /// The operating system refused a file operation.
        public static let ioError = Code("ioError")
        /// The disk is full (or a quota is reached) before anything of the append was written: nothing
        /// was stored, the store stays open, and the same append succeeds once space is freed.
        public static let noSpace = Code("noSpace")
        /// Another process has the log open.
        public static let locked = Code("locked")
        /// The store was closed.
        public static let closed = Code("closed")
        /// An earlier write or flush failed; the store refuses further appends until reopened.
        public static let failed = Code("failed")
        /// No event at that position, or no such stream.
        public static let notFound = Code("notFound")
        /// A checkpoint's signature or log id does not match, or the log does not extend it.
        public static let checkpointMismatch = Code("checkpointMismatch")
        /// A tail cut was refused: the log opens, or its first damage is not where the cut was asked.
        public static let cutRefused = Code("cutRefused")
        /// A configuration value the log cannot keep (a segment size of 4 GiB or more, say).
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A subscriber fell further behind the head than it allowed.
        public static let subscriberFellBehind = Code("subscriberFellBehind")
        /// The database holding the log did not answer (PostgreSQL store). For an append: nothing of it
        /// is known to be stored; the same events sent again are stored once.
        public static let unavailable = Code("unavailable")
        /// The database's schema is newer than this code knows (PostgreSQL store): upgrade the relay.
        public static let incompatibleSchema = Code("incompatibleSchema")
        /// The database holds another deployment's log (PostgreSQL store): its owner is another organisation key.
        public static let otherOwner = Code("otherOwner")

        public var description: String { name }

        /// Whether the code names damage to what the log holds (a checksum, the chain, a gap, a lost
        /// segment or header), as opposed to a refusal or a failure of the machine.
        public var isDamage: Bool {
            [Code.corruptRecord, .brokenChain, .positionGap, .missingSegment, .corruptSegmentHeader].contains(self)
        }
    }

    public let code: Code
    public let message: String
    /// The log position involved, when there is one.
    public let position: UInt64?
    /// The segment file involved, when there is one.
    public let segment: String?
    /// For `wrongExpectedVersion`: the stream's current version (`nil` when the stream does not exist).
    public let actualVersion: UInt64?

    public init(code: Code, _ message: String, position: UInt64? = nil, segment: String? = nil,
                actualVersion: UInt64? = nil) {
        self.code = code
        self.message = message
        self.position = position
        self.segment = segment
        self.actualVersion = actualVersion
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let position { text += " (position \(position))" }
        if let segment { text += " [segment \(segment)]" }
        return text
    }
}
