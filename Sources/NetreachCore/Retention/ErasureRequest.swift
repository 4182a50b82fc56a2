/// The content of `erasure.requested` (docs/PRIVACY.md, "Erasure"), a flat JSON object in the clear:
/// why a conversation's content is to be erased now. The visitor asks for their own conversation
/// (`visitor-request`, "Delete this chat"); a supervisor orders it for any conversation with one of
/// the other reasons, or withdraws one alert of the public feed (`alert`: its log position, in the
/// alert feed's stream). The relay erases at once and records `content.erased`.
public struct ErasureRequest: Hashable, Sendable {
    public static let format = "netreach-erasure-request-v1"

    public enum Reason: String, CaseIterable, Sendable {
        /// The visitor deleted their chat from the page.
        case visitorRequest = "visitor-request"
        /// The person asked the organisation to erase their data (UK GDPR art. 17), by another channel.
        case dataSubjectRequest = "data-subject-request"
        /// Keeping it puts someone at risk.
        case safeguarding
        /// It should never have been recorded (a wrong conversation, a test).
        case recordedInError = "recorded-in-error"
        /// A court order or another legal duty.
        case legalObligation = "legal-obligation"

        /// What the audit and the transcript say.
        public var words: String {
            switch self {
            case .visitorRequest: "the visitor deleted the chat"
            case .dataSubjectRequest: "a supervisor's order: the person asked for erasure"
            case .safeguarding: "a supervisor's order: safeguarding"
            case .recordedInError: "a supervisor's order: recorded in error"
            case .legalObligation: "a supervisor's order: a legal obligation"
            }
        }
    }

    public let reason: Reason
    /// For a withdrawal of an alert: the alert's position in the log; nil for a conversation.
    public let alert: UInt64?

    public init(reason: Reason, alert: UInt64? = nil) {
        self.reason = reason
        self.alert = alert
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("reason", reason.rawValue)
        if let alert { writer.field("alert", String(alert)) }
        return writer.text
    }

    public var content: [UInt8] { Array(text.utf8) }

    public init(content: [UInt8]) throws(RetentionError) {
        guard content.count <= 256, let text = String(validating: content, as: UTF8.self) else {
            throw RetentionError(.malformed, "an erasure request is at most 256 bytes of UTF-8")
        }
        do {
            let withAlert = (try? WireJSON.parseObject(text))?["alert"] != nil
            let document = try FlatDocument(text, format: Self.format, fields: withAlert ? ["reason", "alert"] : ["reason"],
                                            what: "an erasure request")
            if withAlert {
                let digits = try document.string("alert")
                guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy(\.isASCIIDigit), let position = UInt64(digits),
                      String(position) == digits else {
                    throw RetentionError(.malformed, "an alert withdrawal names the alert's log position in decimal digits")
                }
                alert = position
            } else {
                alert = nil
            }
            let name = try document.string("reason")
            guard let reason = Reason(rawValue: name) else {
                throw RetentionError(.malformed, "'\(name.prefix(40))' is not an erasure reason (\(Reason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self.reason = reason
        } catch let error as RetentionError {
            throw error
        } catch {
            throw RetentionError(.malformed, (error as? IncidentError)?.message ?? "\(error)")
        }
    }
}
