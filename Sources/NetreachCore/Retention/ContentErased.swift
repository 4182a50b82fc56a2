import Sodium

/// The content of `content.erased` (docs/PRIVACY.md, "Erasure"; docs/PROTOCOL.md, "Kinds"): what the
/// relay erased, under which rule, signed by the relay. It keeps what the audit needs without the
/// content — each erased event's position, kind, relay time and author — so that "who did what and
/// when" survives the erasure of what was said.
///
/// Layout: version `1` (1) ‖ rule (1) ‖ reference (16) ‖ days (2) ‖ `n` (2) ‖ `n` × entry, where an
/// entry is position (8) ‖ kind (1) ‖ relay time in ms (8) ‖ author's key id (16) ‖ flags (1: bit 0
/// set when the conversation's visitor wrote it; the other bits zero).
public struct ContentErased: Hashable, Sendable {
    public enum Rule: UInt8, CaseIterable, Sendable {
        /// Retention: a conversation's messages, notes, transfers, wrap-ups and feedback, `messagesDays` after its last event.
        case retentionMessages = 1
        /// Retention: everything left of a conversation (reports, consent, keys), after `incidentsDays`,
        /// or after `messagesDays` when it holds no report.
        case retentionConversation = 2
        /// Retention: an alert, `alertsDays` after its publication.
        case retentionAlert = 3
        /// The conversation's visitor asked (`erasure.requested`, reason `visitor-request`).
        case visitorRequest = 4
        /// A supervisor ordered it (`erasure.requested` with another reason).
        case supervisorOrder = 5

        public var isRetention: Bool { self == .retentionMessages || self == .retentionConversation || self == .retentionAlert }

        /// Whether nothing of the conversation's content is left after it (new content is refused: `erased`).
        public var erasesWholeConversation: Bool { self != .retentionMessages && self != .retentionAlert }
    }

    public struct Entry: Hashable, Sendable {
        public let position: UInt64
        public let kind: EventKind
        public let timeMilliseconds: UInt64
        public let author: KeyID
        /// Whether the conversation's visitor wrote it (its key derives the conversation id); else staff.
        public let byVisitor: Bool

        public init(position: UInt64, kind: EventKind, timeMilliseconds: UInt64, author: KeyID, byVisitor: Bool) {
            self.position = position
            self.kind = kind
            self.timeMilliseconds = timeMilliseconds
            self.author = author
            self.byVisitor = byVisitor
        }
    }

    public static let entryCount = 34
    static let headerCount = 22
    /// As many entries as one event's content holds; the relay writes more records for more.
    public static let maximumEntries = (Event.maximumContentCount - headerCount) / entryCount

    public let rule: Rule
    /// The `erasure.requested` event's id for a request; the `policy.set` event's id for retention
    /// (sixteen zero bytes: the deployment's default policy).
    public let reference: [UInt8]
    /// The days the rule applied (0 for a request).
    public let days: Int
    public let entries: [Entry]

    public init(rule: Rule, reference: [UInt8], days: Int, entries: [Entry]) throws(RetentionError) {
        guard reference.count == 16 else { throw RetentionError(.malformed, "an erasure record's reference is 16 bytes") }
        guard (0...Int(UInt16.max)).contains(days) else { throw RetentionError(.outOfRange, "days is 0…65535") }
        guard !entries.isEmpty, entries.count <= Self.maximumEntries else {
            throw RetentionError(.outOfRange, "an erasure record lists 1…\(Self.maximumEntries) events, got \(entries.count)")
        }
        self.rule = rule
        self.reference = reference
        self.days = days
        self.entries = entries
    }

    public var content: [UInt8] {
        var out: [UInt8] = [1, rule.rawValue]
        out.reserveCapacity(Self.headerCount + entries.count * Self.entryCount)
        out += reference
        out.appendInteger(UInt16(days))
        out.appendInteger(UInt16(entries.count))
        for entry in entries {
            out.appendInteger(entry.position)
            out.append(entry.kind.rawValue)
            out.appendInteger(entry.timeMilliseconds)
            out += entry.author.bytes
            out.append(entry.byVisitor ? 1 : 0)
        }
        return out
    }

    public init(content: [UInt8]) throws(RetentionError) {
        var reader = ByteReader(content, what: "content.erased")
        let parsed: (Rule, [UInt8], Int, [Entry])
        do throws(ProtocolError) {
            guard try reader.integer(UInt8.self) == 1 else { throw ProtocolError(.malformed, "unknown erasure record version") }
            let code = try reader.integer(UInt8.self)
            guard let rule = Rule(rawValue: code) else { throw ProtocolError(.malformed, "unknown erasure rule \(code)") }
            let reference = try reader.take(16)
            let days = Int(try reader.integer(UInt16.self))
            let count = Int(try reader.integer(UInt16.self))
            guard count >= 1, count <= Self.maximumEntries, reader.remaining == count * Self.entryCount else {
                throw ProtocolError(.malformed, "the erasure record's entry count does not match its length")
            }
            var entries: [Entry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let position = try reader.integer(UInt64.self)
                let kindCode = try reader.integer(UInt8.self)
                guard let kind = EventKind(rawValue: kindCode) else { throw ProtocolError(.malformed, "unknown kind \(kindCode) in an erasure record") }
                let time = try reader.integer(UInt64.self)
                let authorBytes = try reader.take(KeyID.count)
                let author = try! KeyID(bytes: authorBytes)  // exactly KeyID.count bytes: cannot fail
                let flags = try reader.integer(UInt8.self)
                guard flags <= 1 else { throw ProtocolError(.malformed, "an erasure record's entry has unknown flags \(flags)") }
                entries.append(Entry(position: position, kind: kind, timeMilliseconds: time, author: author, byVisitor: flags == 1))
            }
            try reader.finish()
            parsed = (rule, reference, days, entries)
        } catch {
            throw RetentionError(.malformed, error.message)
        }
        try self.init(rule: parsed.0, reference: parsed.1, days: parsed.2, entries: parsed.3)
    }

    /// The id the relay gives the record: a hash of its content, so that writing the same record
    /// again (after a crash between the record and the redactions) is a retry the log recognises.
    public static func eventID(conversation: ConversationID, content: [UInt8]) -> [UInt8] {
        Array(SHA512.hash(DomainSeparation.erasureRecord.input(conversation.bytes + content)).prefix(16))
    }

    /// What the rule was, in words, for the transcript and the audit.
    public var words: String {
        switch rule {
        case .retentionMessages: "retention: messages are kept \(days) days after a conversation's last event"
        case .retentionConversation: "retention: conversations are kept \(days) days after their last event"
        case .retentionAlert: "retention: alerts are kept \(days) days"
        case .visitorRequest: "the visitor deleted the chat"
        case .supervisorOrder: "a supervisor's erasure order"
        }
    }
}
