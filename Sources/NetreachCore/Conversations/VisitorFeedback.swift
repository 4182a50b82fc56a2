/// What a visitor said about a chat once it was closed (docs/WEB.md, "Feedback"): three optional
/// answers, sealed with the conversation key into `feedback.given` (docs/PROTOCOL.md, "Kinds"), so
/// the relay never learns them and staff who can read the conversation can. Written as one flat
/// JSON object; an answer the visitor skipped is the empty string.
public struct VisitorFeedback: Hashable, Sendable {
    public static let format = "netreach-feedback-v1"

    /// "Was this chat helpful?"
    public enum Helpful: String, CaseIterable, Sendable {
        case yes
        case aLittle = "a-little"
        case no

        public var label: String {
            switch self {
            case .yes: "yes"
            case .aLittle: "a little"
            case .no: "no"
            }
        }
    }

    /// "Do you feel safer or better informed?"
    public enum Safer: String, CaseIterable, Sendable {
        case yes
        case notSure = "not-sure"
        case no

        public var label: String {
            switch self {
            case .yes: "yes"
            case .notSure: "not sure"
            case .no: "no"
            }
        }
    }

    /// "What helped most?"
    public enum HelpedMost: String, CaseIterable, Sendable {
        case safetyAdvice = "safety-advice"
        case localServices = "local-services"
        case health
        case someoneToTalkTo = "someone-to-talk-to"
        case other

        public var label: String {
            switch self {
            case .safetyAdvice: "safety advice"
            case .localServices: "local services"
            case .health: "health"
            case .someoneToTalkTo: "someone to talk to"
            case .other: "something else"
            }
        }
    }

    public let helpful: Helpful?
    public let safer: Safer?
    public let helpedMost: HelpedMost?

    /// Feedback with at least one answer: a form left wholly blank is not sent.
    public init(helpful: Helpful?, safer: Safer?, helpedMost: HelpedMost?) throws(ConversationError) {
        guard helpful != nil || safer != nil || helpedMost != nil else {
            throw ConversationError(.missingValue, "feedback answers at least one of its questions")
        }
        self.helpful = helpful
        self.safer = safer
        self.helpedMost = helpedMost
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("helpful", helpful?.rawValue ?? "")
        writer.field("safer", safer?.rawValue ?? "")
        writer.field("helpedMost", helpedMost?.rawValue ?? "")
        return writer.text
    }

    /// Reads the sealed text strictly: exactly these fields, each empty or one of its values.
    public init(text: String) throws(ConversationError) {
        let document: FlatDocument
        do {
            document = try FlatDocument(text, format: Self.format, fields: ["helpful", "safer", "helpedMost"], what: "feedback")
        } catch {
            throw ConversationError(.malformed, error.message, field: error.field)
        }
        try self.init(helpful: try Self.answer(document, "helpful"), safer: try Self.answer(document, "safer"),
                      helpedMost: try Self.answer(document, "helpedMost"))
    }

    private static func answer<Answer: RawRepresentable<String> & CaseIterable>(_ document: FlatDocument,
                                                                                 _ name: String) throws(ConversationError) -> Answer? {
        let value: String
        do { value = try document.string(name) } catch { throw ConversationError(.malformed, error.message, field: name) }
        if value.isEmpty { return nil }
        guard let answer = Answer(rawValue: value) else {
            throw ConversationError(.unknownValue, "feedback: '\(value.prefix(40))' is not an answer to '\(name)' (one of "
                                    + Answer.allCases.map(\.rawValue).joined(separator: ", ") + ")", field: name)
        }
        return answer
    }
}
