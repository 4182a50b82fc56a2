import Sodium

/// A change of consent for one incident (docs/INCIDENTS.md, "Consent"): sealed with the
/// conversation key into `consent.changed`. The visitor signs their own; a worker who records
/// what the visitor said names the day the visitor said it, and the event's author shows who wrote it.
public struct ConsentChange: Hashable, Sendable {
    public static let format = "netreach-consent-v1"

    /// The `incident.reported` event this is about.
    public let incident: IncidentID
    public let level: ConsentLevel
    /// The day the visitor said so, when a worker records it; empty when the visitor signs it.
    public let visitorSaidOn: String

    public init(incident: IncidentID, level: ConsentLevel, visitorSaidOn: String = "") throws(IncidentError) {
        self.incident = incident
        self.level = level
        self.visitorSaidOn = visitorSaidOn.isEmpty ? "" : try TextLimit.date(visitorSaidOn, field: "visitorSaidOn")
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("incident", incident.base64URL)
        writer.field("level", level.rawValue)
        writer.field("visitorSaidOn", visitorSaidOn)
        return writer.text
    }

    public init(text: String) throws(IncidentError) {
        let document = try FlatDocument(text, format: Self.format, fields: ["incident", "level", "visitorSaidOn"], what: "a consent change")
        try self.init(incident: try IncidentID(documentText: try document.string("incident")),
                      level: try ConsentLevel(level: try document.integer("level")),
                      visitorSaidOn: try document.string("visitorSaidOn"))
    }
}

/// A record that an incident left the team (docs/INCIDENTS.md, "Sharing"): sealed with the staff
/// key into `incident.shared`, appended before the package is written, so no sharing goes unrecorded.
public struct IncidentShared: Hashable, Sendable {
    public static let format = "netreach-incident-shared-v1"

    public enum Recipient: String, CaseIterable, Sendable {
        /// An anonymised alert in the public feed.
        case alert
        /// A police sharing package.
        case police
    }

    public let incident: IncidentID
    public let recipient: Recipient
    /// The consent level the sharing relied on.
    public let level: ConsentLevel
    /// The b64u SHA-512 of exactly what was shared (the package, or the alert's content).
    public let digest: String
    /// Who it went to (a force, an officer, a reference), as the worker writes it.
    public let note: String

    public init(incident: IncidentID, recipient: Recipient, level: ConsentLevel, digest: String, note: String) throws(IncidentError) {
        try TextLimit.check(note, 500, field: "note")
        guard (try? Base64URL.decode(digest))?.count == 64 else {
            throw IncidentError(.malformed, "the digest is the b64u SHA-512 of what was shared", field: "digest")
        }
        self.incident = incident
        self.recipient = recipient
        self.level = level
        self.digest = digest
        self.note = note
    }

    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("incident", incident.base64URL)
        writer.field("recipient", recipient.rawValue)
        writer.field("level", level.rawValue)
        writer.field("digest", digest)
        writer.field("note", note)
        return writer.text
    }

    public init(text: String) throws(IncidentError) {
        let document = try FlatDocument(text, format: Self.format, fields: ["incident", "recipient", "level", "digest", "note"],
                                        what: "a sharing record")
        try self.init(incident: try IncidentID(documentText: try document.string("incident")),
                      recipient: try IncidentReport.term(try document.string("recipient"), field: "recipient"),
                      level: try ConsentLevel(level: try document.integer("level")),
                      digest: try document.string("digest"), note: try document.string("note"))
    }
}

/// An incident's id: the id of its `incident.reported` event.
public struct IncidentID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) throws(IncidentError) {
        guard bytes.count == 16 else { throw IncidentError(.malformed, "an incident id is 16 bytes", field: "incident") }
        self.bytes = bytes
    }

    /// The id of the incident this `incident.reported` event reports.
    public init(reportedBy event: Event) { bytes = event.id }

    /// An incident id as the documents write it: b64u.
    public init(documentText text: String) throws(IncidentError) {
        guard let bytes = try? Base64URL.decode(text), bytes.count == 16 else {
            throw IncidentError(.malformed, "an incident is named by the b64u id of its incident.reported event", field: "incident")
        }
        self.bytes = bytes
    }

    public var base64URL: String { Base64URL.encode(bytes) }
    /// The first 8 hex digits, as the CLI shows it.
    public var shortID: String { String(Hex.encode(bytes).prefix(8)) }
    public var description: String { Hex.encode(bytes) }
}
