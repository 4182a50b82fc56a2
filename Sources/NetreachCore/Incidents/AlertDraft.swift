/// What a worker reviews before an alert is published (docs/INCIDENTS.md, "Alerts"): made from a
/// report with nothing of the reporter — the month, not the day; the area; what happened; the
/// perpetrator's description as the summary; the identifiers in the clear, which publishing hashes.
/// The worker edits the summary and may drop identifiers; nothing may be added that the report lacks.
public struct AlertDraft: Hashable, Sendable {
    public static let format = "netreach-alert-draft-v1"

    public let incident: IncidentID
    public let month: String
    public let area: String
    public let harms: [IncidentReport.Harm]
    public let summary: String
    public let identifiers: [PerpetratorIdentifier]

    public init(incident: IncidentID, month: String, area: String, harms: [IncidentReport.Harm], summary: String,
                identifiers: [PerpetratorIdentifier]) throws(IncidentError) {
        // The alert's own rules (a month, one area, a harm, a summary within its limit) apply to the draft.
        _ = try SafetyAlert(month: month, area: area, harms: harms, summary: summary, identifiers: identifiers, salt: [])
        self.incident = incident
        self.month = month
        self.area = area
        self.harms = harms
        self.summary = summary
        self.identifiers = identifiers
    }

    /// The draft a report gives: its month, area, harms, description and identifiers.
    public init(record: IncidentRecord) throws(IncidentError) {
        let report = record.report
        try self.init(incident: record.id, month: String(report.date.prefix(7)), area: report.area, harms: report.harms,
                      summary: String(report.description.prefix(SafetyAlert.maximumSummaryCount)), identifiers: report.identifiers)
    }

    /// Checks an edited draft against its report: the identifiers must be the report's (a worker
    /// may leave some out, not add any), and the harms among the report's.
    public func check(against record: IncidentRecord) throws(IncidentError) {
        guard record.id == incident else { throw IncidentError(.inconsistent, "the draft is for another incident", field: "incident") }
        if let added = identifiers.first(where: { !record.report.identifiers.contains($0) }) {
            throw IncidentError(.inconsistent, "the draft names \(added), which the report does not", field: "identifiers")
        }
        if let added = harms.first(where: { !record.report.harms.contains($0) }) {
            throw IncidentError(.inconsistent, "the draft names \(added.rawValue), which the report does not", field: "harms")
        }
    }

    /// The alert to sign: identifiers replaced by their hashes under the feed's salt.
    public func alert(salt: [UInt8]) throws(IncidentError) -> SafetyAlert {
        try SafetyAlert(month: month, area: area, harms: harms, summary: summary, identifiers: identifiers, salt: salt)
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("incident", incident.base64URL)
        writer.field("month", month)
        writer.field("area", area)
        writer.field("harms", harms.map(\.rawValue).joined(separator: " "))
        writer.field("summary", summary)
        for (kind, field) in AlertDraft.listFields {
            writer.field(field, identifiers.filter { $0.kind == kind }.map(\.description).joined(separator: " "))
        }
        return writer.text
    }

    private static let listFields: [(PerpetratorIdentifier.Kind, StaticString)] = [(.phone, "phones"), (.email, "emails"),
                                                                                  (.handle, "handles"), (.plate, "plates")]

    public init(text: String) throws(IncidentError) {
        let document = try FlatDocument(text, format: Self.format,
                                        fields: ["incident", "month", "area", "harms", "summary", "phones", "emails", "handles", "plates"],
                                        what: "an alert draft")
        var identifiers: [PerpetratorIdentifier] = []
        for (kind, field) in Self.listFields {
            for value in try document.list("\(field)") { identifiers.append(try PerpetratorIdentifier(parsing: value, kind: kind)) }
        }
        var harms: [IncidentReport.Harm] = []
        for name in try document.list("harms") { harms.append(try IncidentReport.term(name, field: "harms")) }
        try self.init(incident: try IncidentID(documentText: try document.string("incident")), month: try document.string("month"),
                      area: try document.string("area"), harms: harms, summary: try document.string("summary"),
                      identifiers: identifiers)
    }
}
