/// An Ugly Mugs report of a dangerous person (docs/INCIDENTS.md, "The report"): sealed with the
/// conversation key into `incident.reported`, by the visitor or by a worker on their behalf.
public struct IncidentReport: Hashable, Sendable {
    public static let format = "netreach-incident-v1"

    /// When in the day it happened: night 00–06, morning 06–12, afternoon 12–18, evening 18–24.
    public enum TimeBand: String, CaseIterable, Sendable { case night, morning, afternoon, evening, unknown }

    public enum Setting: String, CaseIterable, Sendable {
        case outdoor, indoor
        case onlineArranged = "online-arranged"
        case escort
    }

    /// What happened; several may apply.
    public enum Harm: String, CaseIterable, Sendable {
        case physicalAssault = "physical-assault"
        case sexualAssault = "sexual-assault"
        case rape, robbery, threats, stealthing
        case nonPayment = "non-payment"
        case harassment, stalking
        case blackmail = "blackmail-outing-threat"
        case other

        /// The words a page or a terminal shows for it.
        public var label: String {
            switch self {
            case .physicalAssault: "physical assault"
            case .sexualAssault: "sexual assault"
            case .nonPayment: "non-payment"
            case .blackmail: "blackmail or threat of outing"
            default: rawValue
            }
        }
    }

    public static let maximumIdentifiers = 20
    public static let maximumAreaCount = 100
    public static let maximumDescriptionCount = 2_000
    public static let maximumAccountCount = 8_000
    public static let maximumPoliceContactCount = 300

    public let date: String
    public let timeBand: TimeBand
    /// A town or district, as the reporter puts it.
    public let area: String
    public let setting: Setting
    public let harms: [Harm]
    public let identifiers: [PerpetratorIdentifier]
    /// What the perpetrator looks like, drives, calls himself.
    public let description: String
    /// What happened, in the reporter's words.
    public let account: String
    public let wantsSupport: Bool
    /// The consent given with the report; later changes are `consent.changed` events.
    public let consent: ConsentLevel
    /// How the police may reach the reporter: only at consent level 4.
    public let policeContact: String

    public init(date: String, timeBand: TimeBand, area: String, setting: Setting, harms: [Harm],
                identifiers: [PerpetratorIdentifier], description: String, account: String, wantsSupport: Bool,
                consent: ConsentLevel, policeContact: String = "") throws(IncidentError) {
        self.date = try TextLimit.date(date, field: "date")
        let area = area.trimmingSpaces
        guard !area.isEmpty else { throw IncidentError(.missingValue, "a report names the area it happened in", field: "area") }
        try TextLimit.check(area, Self.maximumAreaCount, field: "area")
        guard !area.contains("\n") else { throw IncidentError(.malformed, "the area is one line", field: "area") }
        guard !harms.isEmpty else {
            throw IncidentError(.missingValue, "a report names at least one thing that happened; the choices are: "
                                + Harm.allCases.map(\.rawValue).joined(separator: ", "), field: "harms")
        }
        guard Set(harms).count == harms.count else { throw IncidentError(.malformed, "a harm is named twice", field: "harms") }
        guard identifiers.count <= Self.maximumIdentifiers else {
            throw IncidentError(.tooLong, "a report holds at most \(Self.maximumIdentifiers) identifiers", field: "identifiers")
        }
        try TextLimit.check(description, Self.maximumDescriptionCount, field: "description")
        try TextLimit.check(account, Self.maximumAccountCount, field: "account")
        try TextLimit.check(policeContact, Self.maximumPoliceContactCount, field: "policeContact")
        guard policeContact.isEmpty || consent == .policeFull else {
            throw IncidentError(.inconsistent, "a police contact is given only with consent level 4", field: "policeContact")
        }
        self.timeBand = timeBand
        self.area = area
        self.setting = setting
        self.harms = harms
        // The same identifier typed twice is kept once; they are held grouped by kind, as the text writes them.
        var seen = Set<PerpetratorIdentifier>()
        let unique = identifiers.filter { seen.insert($0).inserted }
        self.identifiers = PerpetratorIdentifier.Kind.allCases.flatMap { kind in unique.filter { $0.kind == kind } }
        self.description = description
        self.account = account
        self.wantsSupport = wantsSupport
        self.consent = consent
        self.policeContact = policeContact
    }

    // MARK: The sealed text

    /// The JSON object sealed into `incident.reported`, fields in this order.
    public var text: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.format)
        writer.field("date", date)
        writer.field("time", timeBand.rawValue)
        writer.field("area", area)
        writer.field("setting", setting.rawValue)
        writer.field("harms", harms.map(\.rawValue).joined(separator: " "))
        writer.field("phones", values(.phone))
        writer.field("emails", values(.email))
        writer.field("handles", values(.handle))
        writer.field("plates", values(.plate))
        writer.field("description", description)
        writer.field("account", account)
        writer.field("support", wantsSupport)
        writer.field("consent", consent.rawValue)
        writer.field("policeContact", policeContact)
        return writer.text
    }

    private func values(_ kind: PerpetratorIdentifier.Kind) -> String {
        identifiers.filter { $0.kind == kind }.map(\.description).joined(separator: " ")
    }

    private static let fields: Set<String> = ["date", "time", "area", "setting", "harms", "phones", "emails", "handles", "plates",
                                              "description", "account", "support", "consent", "policeContact"]

    /// Reads a report strictly; every value is checked as `init` checks it.
    public init(text: String) throws(IncidentError) {
        let document = try FlatDocument(text, format: Self.format, fields: Self.fields, what: "an incident report")
        var identifiers: [PerpetratorIdentifier] = []
        for (kind, field) in [(PerpetratorIdentifier.Kind.phone, "phones"), (.email, "emails"), (.handle, "handles"), (.plate, "plates")] {
            // (the order of Kind.allCases, so that a report reads back equal)
            for value in try document.list(field) {
                identifiers.append(try PerpetratorIdentifier(parsing: value, kind: kind))
            }
        }
        var harms: [Harm] = []
        for name in try document.list("harms") { harms.append(try Self.term(name, field: "harms")) }
        try self.init(date: try document.string("date"), timeBand: try Self.term(try document.string("time"), field: "time"),
                      area: try document.string("area"), setting: try Self.term(try document.string("setting"), field: "setting"),
                      harms: harms, identifiers: identifiers, description: try document.string("description"),
                      account: try document.string("account"), wantsSupport: try document.bool("support"),
                      consent: try ConsentLevel(level: try document.integer("consent")),
                      policeContact: try document.string("policeContact"))
    }

    /// The value of a fixed list with exactly this name; an unknown one names the valid ones.
    public static func term<Term: RawRepresentable & CaseIterable>(_ name: String, field: String) throws(IncidentError) -> Term
    where Term.RawValue == String {
        guard let value = Term(rawValue: name) else {
            throw IncidentError(.unknownValue, "unknown \(field) value '\(name.prefix(40))'; the choices are: "
                                + Term.allCases.map(\.rawValue).joined(separator: ", "), field: field)
        }
        return value
    }
}

extension PerpetratorIdentifier {
    /// Reads an identifier in the form `description` writes (`platform:handle` for a handle).
    public init(parsing text: String, kind: Kind) throws(IncidentError) {
        if kind == .handle {
            guard let colon = text.firstIndex(of: ":") else {
                throw IncidentError(.invalidIdentifier, "a handle is written platform:handle, got '\(text.prefix(40))'", field: "handle")
            }
            try self.init(kind: .handle, String(text[text.index(after: colon)...]), platform: String(text[..<colon]))
        } else {
            try self.init(kind: kind, text)
        }
    }
}
