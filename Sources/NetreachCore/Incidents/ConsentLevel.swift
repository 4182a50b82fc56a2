/// What the reporter of an incident agreed may be done with it (docs/INCIDENTS.md, "Consent").
/// Each level includes the ones below it.
public enum ConsentLevel: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// Just listen: the report is kept for the team, nothing more.
    case listenOnly = 1
    /// The report may also produce an anonymised alert to other sex workers.
    case anonymisedAlert = 2
    /// The report may also be shared with the police, with nothing that identifies the reporter.
    case policeAnonymous = 3
    /// Full details may be shared with the police, and the reporter may be contacted by them.
    case policeFull = 4

    public init(level: Int) throws(IncidentError) {
        guard let value = ConsentLevel(rawValue: level) else {
            throw IncidentError(.unknownValue, "a consent level is 1, 2, 3 or 4, got \(level)", field: "consent")
        }
        self = value
    }

    public static func < (lhs: ConsentLevel, rhs: ConsentLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var allowsAlert: Bool { self >= .anonymisedAlert }
    public var allowsPoliceExport: Bool { self >= .policeAnonymous }

    /// The words staff and visitors see for this level.
    public var summary: String {
        switch self {
        case .listenOnly: "1 just listen: record nothing beyond the report"
        case .anonymisedAlert: "2 record it and send an anonymised alert to others"
        case .policeAnonymous: "3 share with the police anonymously"
        case .policeFull: "4 share full details with the police and be contacted"
        }
    }

    public var description: String { String(rawValue) }
}
