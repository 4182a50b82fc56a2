import Sodium

/// The package a worker hands to the police for one incident (docs/INCIDENTS.md, "Police
/// sharing"). Refused below consent level 3; at 3 it holds nothing that identifies the reporter
/// (no account in their words, no contact, nothing about the conversation); at 4 it adds the
/// account and how the police may contact the reporter.
public struct PoliceExport: Sendable {
    public static let format = "netreach-police-package-v1"

    public let text: String
    public let level: ConsentLevel

    /// The b64u SHA-512 of the package's bytes, recorded in `incident.shared`.
    public var digest: String { Base64URL.encode(SHA512.hash(Array(text.utf8))) }

    /// Builds the package from the incident as it stands now: the consent is the current one.
    public init(record: IncidentRecord, organisation: String, sharedBy: String, sharedOn: String) throws(IncidentError) {
        let level = record.consent
        guard level.allowsPoliceExport else {
            throw IncidentError(.consentTooLow, "incident \(record.id.shortID) has consent level \(level.rawValue) "
                                + "(\(level.summary)); sharing with the police needs level 3 or 4, given by the reporter",
                                field: "consent")
        }
        let report = record.report
        var lines = [
            "NETREACH POLICE SHARING PACKAGE",
            "format: \(Self.format)",
            "organisation: \(organisation)",
            "shared by: \(sharedBy)",
            "shared on: \(sharedOn)",
            "reference: \(record.id.shortID)",
            "consent level: \(level.summary)",
            "",
            "INCIDENT",
            "date: \(report.date)",
            "time of day: \(report.timeBand.rawValue)",
            "area: \(report.area)",
            "setting: \(report.setting.rawValue)",
            "what happened: \(report.harms.map(\.label).joined(separator: "; "))",
            "",
            "PERPETRATOR",
        ]
        let names: [PerpetratorIdentifier.Kind: String] = [.phone: "phone", .email: "email", .handle: "username", .plate: "vehicle registration"]
        for identifier in report.identifiers { lines.append("\(names[identifier.kind]!): \(identifier.description)") }
        if report.identifiers.isEmpty { lines.append("(no phone, email, username or vehicle given)") }
        lines.append("description:")
        lines += Self.indented(report.description)
        if level == .policeFull {
            lines += ["", "REPORTER'S ACCOUNT"]
            lines += Self.indented(report.account)
            lines += ["", "CONTACT"]
            lines.append(report.policeContact.isEmpty
                ? "The reporter agreed to share full details and gave no contact; ask \(organisation) to pass a message."
                : "The reporter agreed to be contacted: \(report.policeContact)")
        } else {
            lines += ["", "The reporter shared this anonymously. Nothing here identifies them; do not ask \(organisation) who they are."]
        }
        text = lines.joined(separator: "\n") + "\n"
        self.level = level
    }

    private static func indented(_ text: String) -> [String] {
        text.isEmpty ? ["  (none given)"] : text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
    }
}
