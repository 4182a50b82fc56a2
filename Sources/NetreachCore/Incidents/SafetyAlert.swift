import Sodium

/// A safety alert in the organisation's public feed (docs/INCIDENTS.md, "Alerts"): the plain,
/// public content of `alert.published`, signed by the staff member who published it. It holds
/// nothing of the reporter: a month, an area, what happened, a summary a worker wrote, and salted
/// hashes of the perpetrator's identifiers for the checker.
public struct SafetyAlert: Hashable, Sendable {
    public static let format = "netreach-alert-v1"
    public static let maximumSummaryCount = 1_000

    /// `YYYY-MM`: no day, so the alert does not date the reporter's evening.
    public let month: String
    public let area: String
    public let harms: [IncidentReport.Harm]
    public let summary: String
    /// `(kind, b64u hash)` of each identifier, as `PerpetratorIdentifier.hash(salt:)` makes them.
    public let hashes: [Hash]

    public struct Hash: Hashable, Sendable {
        public let kind: PerpetratorIdentifier.Kind
        public let value: String
    }

    public init(month: String, area: String, harms: [IncidentReport.Harm], summary: String, hashes: [Hash]) throws(IncidentError) {
        guard month.count == 7, (try? TextLimit.date(month + "-01", field: "month")) != nil else {
            throw IncidentError(.malformed, "an alert's month is written YYYY-MM, got '\(month.prefix(20))'", field: "month")
        }
        let area = area.trimmingSpaces
        guard !area.isEmpty, !area.contains("\n") else { throw IncidentError(.missingValue, "an alert names one area", field: "area") }
        try TextLimit.check(area, IncidentReport.maximumAreaCount, field: "area")
        guard !harms.isEmpty else { throw IncidentError(.missingValue, "an alert names what happened", field: "harms") }
        guard Set(harms).count == harms.count else { throw IncidentError(.malformed, "a harm is named twice", field: "harms") }
        try TextLimit.check(summary, Self.maximumSummaryCount, field: "summary")
        guard hashes.count <= IncidentReport.maximumIdentifiers else {
            throw IncidentError(.tooLong, "an alert holds at most \(IncidentReport.maximumIdentifiers) identifiers", field: "hashes")
        }
        for hash in hashes where (try? Base64URL.decode(hash.value))?.count != 32 || Base64URL.encode(try! Base64URL.decode(hash.value)) != hash.value {
            throw IncidentError(.malformed, "an identifier hash is 32 bytes in b64u", field: "hashes")
        }
        self.month = month
        self.area = area
        self.harms = harms
        self.summary = summary
        self.hashes = hashes
    }

    /// An alert from a draft: the identifiers are hashed with the feed's salt here, and only the hashes are kept.
    public init(month: String, area: String, harms: [IncidentReport.Harm], summary: String,
                identifiers: [PerpetratorIdentifier], salt: [UInt8]) throws(IncidentError) {
        var seen = Set<PerpetratorIdentifier>()
        let unique = identifiers.filter { seen.insert($0).inserted }
        try self.init(month: month, area: area, harms: harms, summary: summary,
                      hashes: unique.map { Hash(kind: $0.kind, value: $0.hash(salt: salt)) })
    }

    /// Whether any of the alert's hashes is this identifier's.
    public func matches(_ identifier: PerpetratorIdentifier, salt: [UInt8]) -> Bool {
        let hash = identifier.hash(salt: salt)
        return hashes.contains { $0.kind == identifier.kind && $0.value == hash }
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("month", month)
        writer.field("area", area)
        writer.field("harms", harms.map(\.rawValue).joined(separator: " "))
        writer.field("summary", summary)
        writer.field("hashes", hashes.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: " "))
        return writer.text
    }

    /// The event content: the text's UTF-8 bytes, unpadded (an alert is public).
    public var content: [UInt8] { Array(text.utf8) }

    public init(text: String) throws(IncidentError) {
        let document = try FlatDocument(text, format: Self.format, fields: ["month", "area", "harms", "summary", "hashes"], what: "an alert")
        var harms: [IncidentReport.Harm] = []
        for name in try document.list("harms") { harms.append(try IncidentReport.term(name, field: "harms")) }
        var hashes: [Hash] = []
        for item in try document.list("hashes") {
            guard let colon = item.firstIndex(of: ":") else {
                throw IncidentError(.malformed, "an alert's hashes are written kind:hash", field: "hashes")
            }
            let kind: PerpetratorIdentifier.Kind = try IncidentReport.term(String(item[..<colon]), field: "hashes")
            hashes.append(Hash(kind: kind, value: String(item[item.index(after: colon)...])))
        }
        try self.init(month: try document.string("month"), area: try document.string("area"), harms: harms,
                      summary: try document.string("summary"), hashes: hashes)
    }

    /// Reads an alert event's content; the bytes must be UTF-8.
    public init(content: [UInt8]) throws(IncidentError) {
        guard let text = String(validating: content, as: UTF8.self) else {
            throw IncidentError(.malformed, "an alert is UTF-8 text")
        }
        try self.init(text: text)
    }
}

/// An alert from the feed whose signature and signer were checked against the organisation's keyring.
public struct VerifiedAlert: Hashable, Sendable {
    public let alert: SafetyAlert
    public let event: Event
    /// The enrolled staff member who signed it.
    public let signer: String
    /// The relay's log position: the feed is shown newest (highest) first.
    public let position: UInt64

    /// Checks one feed entry: an `alert.published` event to the feed, its signature (checked when
    /// the event was parsed), a signer who is enrolled and not revoked, and a well-formed alert.
    public static func verify(_ event: Event, position: UInt64, keyring: Keyring) throws(IncidentError) -> VerifiedAlert {
        guard event.kind == .alertPublished, event.conversation == .alertFeed else {
            throw IncidentError(.unverifiedAlert, "this is not an alert of the feed")
        }
        guard let member = keyring.active.first(where: { $0.signKey == event.author }) else {
            throw IncidentError(.unverifiedAlert, "the alert is signed by a key that is not an enrolled, unrevoked staff key")
        }
        let alert: SafetyAlert
        do {
            alert = try SafetyAlert(content: event.content)
        } catch {
            throw IncidentError(.unverifiedAlert, "the alert does not read: \(error.message)")
        }
        return VerifiedAlert(alert: alert, event: event, signer: member.name.text, position: position)
    }
}
