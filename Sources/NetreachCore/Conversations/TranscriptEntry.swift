/// One event of a conversation as a person reads it, decrypted in memory (docs/READ-MODELS.md,
/// "Transcript"). Plaintext lives only in values of this type: never write them to disk.
public struct TranscriptEntry: Hashable, Sendable {
    public enum Speaker: Hashable, Sendable {
        case visitor
        /// A staff member by key id, with the name their enrolment gives (revoked staff included), if known.
        case staff(KeyID, name: String?)
        /// The relay itself: its records of what it erased (`content.erased`).
        case relay
    }

    public enum Content: Hashable, Sendable {
        /// The visitor opened it; their page's language when it was sent and the reader can open it
        /// (when it was sent but cannot be opened, `problem` says why).
        case opened(language: VisitorLanguage?)
        /// A `key.wrapped`: keys were shared with more staff.
        case keysShared
        case message(String)
        case note(String)
        case claimed
        /// `note` is nil when it could not be opened (then `problem` says why).
        case transferred(to: KeyID, toName: String?, note: String?)
        /// The wrap-up is nil when it could not be opened or read (then `problem` says why).
        case closed(WrapUp?)
        /// An Ugly Mugs report (docs/INCIDENTS.md); its id is the event's.
        case incident(IncidentID, IncidentReport)
        case consent(ConsentChange)
        /// What the visitor said about the chat after it closed (docs/WEB.md, "Feedback").
        case feedback(VisitorFeedback)
        /// A record that the incident was shared (staff only).
        case shared(IncidentShared)
        /// An alert of the public feed (not part of any conversation; shown by `netreach alerts`).
        case alert(SafetyAlert)
        /// The visitor asked, or a supervisor ordered, that the conversation's content be erased.
        case erasureRequested(ErasureRequest.Reason)
        /// What the relay erased and under which rule; the erased events are gone from the replica.
        case erased(ContentErased)
        /// A new retention policy (the policy feed; shown by `netreach policy`).
        case policy(RetentionPolicy)
        /// A quarter's figures were sealed (the reports feed; used by `netreach report quarterly`).
        case figuresSealed(Quarter)
        /// A staff member published their encryption key for a period (the keys feed).
        case periodKey(PeriodKey)
        /// The event could not be read at all.
        case undecryptable(reason: String)
    }

    public let position: UInt64
    public let version: UInt64
    public let timeMilliseconds: UInt64
    public let kind: EventKind
    public let speaker: Speaker
    public let content: Content
    /// Why part of an otherwise readable entry (a transfer note, a wrap-up) is missing; nil when nothing is.
    public let problem: String?

    public init(position: UInt64, version: UInt64, timeMilliseconds: UInt64, kind: EventKind, speaker: Speaker,
                content: Content, problem: String? = nil) {
        self.position = position
        self.version = version
        self.timeMilliseconds = timeMilliseconds
        self.kind = kind
        self.speaker = speaker
        self.content = content
        self.problem = problem
    }
}
