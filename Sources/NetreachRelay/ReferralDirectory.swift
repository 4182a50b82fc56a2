public import Foundation
public import NetreachCore

/// The partner services a deployment refers people to (docs/INCIDENTS.md, "Referral directory";
/// `--referrals FILE`): shown to visitors as "Other services that can help" and listed by
/// `netreach referrals`. Every value is checked when the file is read, so a relay never serves a
/// half-valid directory.
public struct ReferralDirectory: Sendable, Hashable {
    public struct Service: Sendable, Hashable {
        public let name: String
        /// What it helps with: wrap-up topics, so a visitor or worker can filter by need.
        public let helpsWith: [WrapUp.Topic]
        public let area: String
        /// How to reach it: a number, an address, a website, as the deployment writes it.
        public let contact: String
        public let hours: String
        /// The wrap-up referral a worker records when referring someone here.
        public let referral: WrapUp.Referral
    }

    public static let maximumServices = 200
    public let services: [Service]

    public static let empty = ReferralDirectory(services: [])

    init(services: [Service]) { self.services = services }

    /// Reads the file: `{"services": [{"name", "helpsWith", "area", "contact", "hours", "referral"}, …]}`.
    public init(json data: Data, file: String) throws(RelayConfiguration.Error) {
        func fail(_ message: String) -> RelayConfiguration.Error { RelayConfiguration.Error(message: "\(file): \(message)") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], object.count == 1,
              let entries = object["services"] as? [[String: Any]] else {
            throw fail("the referral directory is {\"services\": [ … ]}")
        }
        guard entries.count <= Self.maximumServices else { throw fail("at most \(Self.maximumServices) services") }
        let fields = ["name", "helpsWith", "area", "contact", "hours", "referral"]
        var services: [Service] = []
        var names = Set<String>()
        for (index, entry) in entries.enumerated() {
            let at = "service \(index + 1)"
            if let unknown = entry.keys.sorted().first(where: { !fields.contains($0) }) {
                throw fail("\(at): unknown field '\(unknown)' (known: \(fields.joined(separator: ", ")))")
            }
            func text(_ field: String, _ range: ClosedRange<Int>) throws(RelayConfiguration.Error) -> String {
                guard let value = entry[field] as? String else { throw fail("\(at): '\(field)' is text") }
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                guard range.contains(trimmed.count), !trimmed.contains(where: { $0.isNewline }) else {
                    throw fail("\(at): '\(field)' is one line of \(range.lowerBound)–\(range.upperBound) characters")
                }
                return trimmed
            }
            let name = try text("name", 1...100)
            guard names.insert(name.lowercased()).inserted else { throw fail("\(at): '\(name)' is listed twice") }
            guard let topicNames = entry["helpsWith"] as? [String], !topicNames.isEmpty else {
                throw fail("\(at): 'helpsWith' is a list of one or more topics")
            }
            var topics: [WrapUp.Topic] = []
            for topicName in topicNames {
                guard let topic = WrapUp.Topic(name: topicName) else {
                    throw fail("\(at): '\(topicName)' is not a topic (\(WrapUp.Topic.allCases.map(\.name).joined(separator: ", ")))")
                }
                guard !topics.contains(topic) else { throw fail("\(at): '\(topicName)' is listed twice") }
                topics.append(topic)
            }
            let referralName = try text("referral", 1...40)
            guard let referral = WrapUp.Referral(name: referralName) else {
                throw fail("\(at): '\(referralName)' is not a referral (\(WrapUp.Referral.allCases.map(\.name).joined(separator: ", ")))")
            }
            services.append(Service(name: name, helpsWith: topics, area: try text("area", 1...100), contact: try text("contact", 1...200),
                                    hours: entry["hours"] == nil ? "" : try text("hours", 0...200), referral: referral))
        }
        self.services = services
    }

    /// What `GET /v1/referrals` answers.
    public var document: [String: any Sendable] {
        ["services": services.map { service -> [String: any Sendable] in
            ["name": service.name, "helpsWith": service.helpsWith.map(\.name), "area": service.area, "contact": service.contact,
             "hours": service.hours, "referral": service.referral.name]
        }]
    }

    /// The demo deployment's directory: services made up for the demo, at reserved example numbers.
    public static let demoJSON = """
        {
          "services": [
            {"name": "Demo Housing Advice Line", "helpsWith": ["housing", "money"], "area": "Demo City",
             "contact": "01632 960001", "hours": "Mon-Fri 10:00-16:00", "referral": "housing-service"},
            {"name": "Demo Independent Sexual Violence Advisers", "helpsWith": ["violence", "legal"], "area": "Demo County",
             "contact": "01632 960002", "hours": "Mon-Sat 09:00-17:00", "referral": "advocacy-isva"},
            {"name": "Demo Sexual Health Clinic", "helpsWith": ["sexual-health"], "area": "Demo City",
             "contact": "01632 960003 (walk-in Tuesdays 17:00-19:00)", "hours": "Tue-Sat", "referral": "sexual-health-clinic"}
          ]
        }

        """
}
