/// How long the deployment keeps each kind of data (docs/PRIVACY.md, "Retention"): the content of
/// `policy.set`, a flat JSON object in the clear, signed by a supervisor. Days count from a
/// conversation's last event (its close, normally); an alert's from its publication.
public struct RetentionPolicy: Hashable, Sendable, CustomStringConvertible {
    public static let format = "netreach-retention-v1"
    /// Ten years: the longest any limit may be.
    public static let maximumDays = 3_650

    /// Messages, notes, transfers, wrap-ups and feedback of a conversation.
    public let messagesDays: Int
    /// Incident reports, consent changes and sharing records, with the keys that read them; a
    /// conversation without any is erased whole after `messagesDays`. At least `messagesDays`.
    public let incidentsDays: Int
    /// Safety alerts in the public feed, from publication.
    public let alertsDays: Int
    /// How long each staff member's period key lasts (docs/KEYS.md, "Period keys"), in days; nil: a
    /// calendar month. A shorter period lets a key be destroyed sooner after its chats are erased.
    public let keyPeriodDays: Int?

    /// The lengths a key period may have, in days.
    public static let keyPeriodRange = 1...366

    /// The default of a deployment that has set nothing (justified in docs/PRIVACY.md).
    public static let standard = RetentionPolicy(checkedMessagesDays: 180, incidentsDays: 730, alertsDays: 365)

    public init(messagesDays: Int, incidentsDays: Int, alertsDays: Int, keyPeriodDays: Int? = nil) throws(RetentionError) {
        for (name, days) in [("messagesDays", messagesDays), ("incidentsDays", incidentsDays), ("alertsDays", alertsDays)] {
            guard (1...Self.maximumDays).contains(days) else {
                throw RetentionError(.outOfRange, "\(name) is 1…\(Self.maximumDays) days, got \(days)")
            }
        }
        guard incidentsDays >= messagesDays else {
            throw RetentionError(.outOfRange, "incidentsDays (\(incidentsDays)) must be at least messagesDays (\(messagesDays)): "
                                 + "reading a report needs the conversation's keys, which go with its messages")
        }
        if let keyPeriodDays, !Self.keyPeriodRange.contains(keyPeriodDays) {
            throw RetentionError(.outOfRange, "keyPeriodDays is \(Self.keyPeriodRange.lowerBound)…\(Self.keyPeriodRange.upperBound) days "
                                 + "(leave it out for a calendar month), got \(keyPeriodDays)")
        }
        self.init(checkedMessagesDays: messagesDays, incidentsDays: incidentsDays, alertsDays: alertsDays, keyPeriodDays: keyPeriodDays)
    }

    private init(checkedMessagesDays: Int, incidentsDays: Int, alertsDays: Int, keyPeriodDays: Int? = nil) {
        messagesDays = checkedMessagesDays
        self.incidentsDays = incidentsDays
        self.alertsDays = alertsDays
        self.keyPeriodDays = keyPeriodDays
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("messagesDays", messagesDays)
        writer.field("incidentsDays", incidentsDays)
        writer.field("alertsDays", alertsDays)
        if let keyPeriodDays { writer.field("keyPeriodDays", keyPeriodDays) }
        return writer.text
    }

    public init(text: String) throws(RetentionError) {
        let document: FlatDocument
        do {
            document = try FlatDocument(text, format: Self.format, fields: ["messagesDays", "incidentsDays", "alertsDays"],
                                        optional: ["keyPeriodDays"], what: "a retention policy")
            try self.init(messagesDays: try document.integer("messagesDays"), incidentsDays: try document.integer("incidentsDays"),
                          alertsDays: try document.integer("alertsDays"),
                          keyPeriodDays: document.has("keyPeriodDays") ? try document.integer("keyPeriodDays") : nil)
        } catch let error as RetentionError {
            throw error
        } catch {
            throw RetentionError(.malformed, (error as? IncidentError)?.message ?? "\(error)")
        }
    }

    /// "a new one each calendar month", "a new one every 14 days".
    public var keyPeriodWords: String {
        keyPeriodDays.map { "a new one every \($0 == 1 ? "day" : "\($0) days")" } ?? "a new one each calendar month"
    }

    /// The content of a `policy.set` event.
    public var content: [UInt8] { Array(text.utf8) }

    public init(content: [UInt8]) throws(RetentionError) {
        guard content.count <= 1_024, let text = String(validating: content, as: UTF8.self) else {
            throw RetentionError(.malformed, "a retention policy is at most 1 024 bytes of UTF-8")
        }
        try self.init(text: text)
    }

    public var description: String {
        "messages \(messagesDays) days, incident reports \(incidentsDays) days (after a conversation's last event), alerts \(alertsDays) days, "
            + "staff keys \(keyPeriodWords)"
    }
}
