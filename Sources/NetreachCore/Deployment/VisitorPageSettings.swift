public import Foundation
public import Sodium

/// What the deployment tells visitors through the web page (docs/WEB.md, `--web-config FILE`):
/// where Quick exit goes, emergency numbers, opening hours, how soon an answer usually comes, and
/// optionally the organisation key the page must find in the keyring. Every value is checked when
/// the file is read, so a relay never serves a half-valid configuration.
public struct VisitorPageSettings: Sendable, Hashable {
    public struct EmergencyNumber: Sendable, Hashable {
        public let label: String
        public let number: String

        public init(label: String, number: String) throws(ConfigurationError) {
            guard (1...80).contains(label.count), !label.contains(where: \.isNewline) else {
                throw ConfigurationError(message: "an emergency number's label must be 1–80 characters on one line")
            }
            guard (1...24).contains(number.count), number.allSatisfy({ $0.isASCII && ($0.isNumber || "+ -".contains($0)) }),
                  number.contains(where: \.isNumber) else {
                throw ConfigurationError(message: "emergency number '\(number)' may hold only digits, spaces, '+' and '-'")
            }
            self.label = label
            self.number = number
        }
    }

    /// Where Quick exit sends the visitor: a neutral page that says nothing about this service.
    public let quickExitURL: String
    public let emergencyNumbers: [EmergencyNumber]
    public let openingHours: OpeningHours
    /// How soon staff usually answer, shown while a visitor waits.
    public let answerMinutes: Int
    /// When set, the organisation key the page trusts; otherwise the keyring's `org.pub`.
    public let organisationKey: SigningPublicKey?
    /// The deployment's retention policy until a supervisor signs another (`policy.set`, docs/PRIVACY.md).
    public let retention: RetentionPolicy

    public static let defaultQuickExitURL = "https://www.bbc.co.uk/weather"

    /// What a relay serves when no `--web-config` is given: 112 (the emergency number every mobile
    /// phone in Europe dials), no schedule, a 30-minute answer time.
    public static let standard = VisitorPageSettings(
        checked: defaultQuickExitURL, emergencyNumbers: [.init(unchecked: "Emergency (police, ambulance, fire)", "112")],
        openingHours: .unset, answerMinutes: 30, organisationKey: nil, retention: .standard)

    public init(quickExitURL: String = defaultQuickExitURL, emergencyNumbers: [EmergencyNumber] = standard.emergencyNumbers,
                openingHours: OpeningHours = .unset, answerMinutes: Int = 30,
                organisationKey: SigningPublicKey? = nil, retention: RetentionPolicy = .standard) throws(ConfigurationError) {
        guard let url = URL(string: quickExitURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              !(url.host ?? "").isEmpty, !quickExitURL.contains(where: { $0.isWhitespace }) else {
            throw ConfigurationError(message: "quickExitURL '\(quickExitURL)' is not an http or https address")
        }
        guard (1...10_080).contains(answerMinutes) else {
            throw ConfigurationError(message: "answerMinutes must be 1…10080 (a week), got \(answerMinutes)")
        }
        guard emergencyNumbers.count <= 10 else { throw ConfigurationError(message: "at most 10 emergency numbers") }
        self.init(checked: quickExitURL, emergencyNumbers: emergencyNumbers, openingHours: openingHours,
                  answerMinutes: answerMinutes, organisationKey: organisationKey, retention: retention)
    }

    private init(checked quickExitURL: String, emergencyNumbers: [EmergencyNumber], openingHours: OpeningHours, answerMinutes: Int,
                 organisationKey: SigningPublicKey?, retention: RetentionPolicy) {
        self.retention = retention
        self.quickExitURL = quickExitURL
        self.emergencyNumbers = emergencyNumbers
        self.openingHours = openingHours
        self.answerMinutes = answerMinutes
        self.organisationKey = organisationKey
    }

    /// Reads the JSON file of docs/WEB.md. Unknown fields are refused: a misspelt field would
    /// otherwise be silently ignored and a visitor shown the default.
    public init(json data: Data, file: String) throws(ConfigurationError) {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError(message: "\(file): \(message)") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        let known: Set = ["quickExitURL", "emergencyNumbers", "openingHours", "answerMinutes", "organisationKey", "retention"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail("unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        do throws(ConfigurationError) {
            var url = Self.defaultQuickExitURL
            if let value = object["quickExitURL"] {
                guard let text = value as? String else { throw fail("quickExitURL must be a string") }
                url = text
            }
            var numbers = Self.standard.emergencyNumbers
            if let value = object["emergencyNumbers"] {
                guard let list = value as? [[String: Any]] else { throw fail("emergencyNumbers must be a list of {label, number}") }
                numbers = []
                for entry in list {
                    guard entry.count == 2, let label = entry["label"] as? String, let number = entry["number"] as? String else {
                        throw fail("each emergency number is {\"label\": text, \"number\": text}")
                    }
                    numbers.append(try EmergencyNumber(label: label, number: number))
                }
            }
            var hours = OpeningHours.unset
            if let value = object["openingHours"] {
                guard let fields = value as? [String: Any], let zone = fields["timeZone"] as? String,
                      let sessions = fields["sessions"] as? [[String: Any]], fields.count == 2 else {
                    throw fail("openingHours is {\"timeZone\": name, \"sessions\": [{\"days\", \"opens\", \"closes\"}]}")
                }
                hours = try OpeningHours(timeZone: zone, sessions: sessions.map { session throws(ConfigurationError) in
                    guard session.count == 3, let dayNames = session["days"] as? [String], let opens = session["opens"] as? String,
                          let closes = session["closes"] as? String else {
                        throw fail("each opening-hours session is {\"days\": [\"mon\", …], \"opens\": \"HH:MM\", \"closes\": \"HH:MM\"}")
                    }
                    let days = try dayNames.map { name throws(ConfigurationError) in
                        guard let day = OpeningHours.Day(rawValue: name) else {
                            throw fail("'\(name)' is not a day (mon, tue, wed, thu, fri, sat, sun)")
                        }
                        return day
                    }
                    return try OpeningHours.Session(days: days, opens: opens, closes: closes)
                })
            }
            var minutes = 30
            if let value = object["answerMinutes"] {
                // JSON true and false also arrive as NSNumber; their type code is "c" (a C char).
                guard let number = value as? Int, let boxed = value as? NSNumber, String(cString: boxed.objCType) != "c" else {
                    throw fail("answerMinutes must be a whole number")
                }
                minutes = number
            }
            var organisation: SigningPublicKey?
            if let value = object["organisationKey"] {
                guard let text = value as? String, let bytes = try? Base64URL.decode(text),
                      let key = try? SigningPublicKey(bytes) else {
                    throw fail("organisationKey must be the b64u Ed25519 key of org.pub's sign: line")
                }
                organisation = key
            }
            var retention = RetentionPolicy.standard
            if let value = object["retention"] {
                let names = ["messagesDays", "incidentsDays", "alertsDays"]
                let shape = "retention is {\"messagesDays\": n, \"incidentsDays\": n, \"alertsDays\": n}, whole numbers of days"
                guard let fields = value as? [String: Any], Set(fields.keys) == Set(names) else { throw fail(shape) }
                var days: [Int] = []
                for name in names {
                    // JSON true and false also arrive as NSNumber, with type code "c".
                    guard let number = fields[name] as? Int, let boxed = fields[name] as? NSNumber, String(cString: boxed.objCType) != "c" else {
                        throw fail(shape)
                    }
                    days.append(number)
                }
                do {
                    retention = try RetentionPolicy(messagesDays: days[0], incidentsDays: days[1], alertsDays: days[2])
                } catch {
                    throw fail("retention: \(error.message)")
                }
            }
            try self.init(quickExitURL: url, emergencyNumbers: numbers, openingHours: hours, answerMinutes: minutes,
                          organisationKey: organisation, retention: retention)
        } catch {
            throw error.message.hasPrefix(file + ":") ? error : fail(error.message)
        }
    }

    /// The file `DemoDeployment` writes: a made-up service, every field shown.
    public static let demoJSON = """
        {
          "quickExitURL": "https://www.bbc.co.uk/weather",
          "emergencyNumbers": [
            {"label": "Emergency (police, ambulance, fire)", "number": "999"},
            {"label": "Support line (a demo number: set your own)", "number": "0800 000 0000"}
          ],
          "openingHours": {
            "timeZone": "Europe/London",
            "sessions": [
              {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "10:00", "closes": "18:00"},
              {"days": ["fri", "sat"], "opens": "21:00", "closes": "02:00"}
            ]
          },
          "answerMinutes": 20,
          "retention": {"messagesDays": 180, "incidentsDays": 730, "alertsDays": 365}
        }

        """
}

extension VisitorPageSettings.EmergencyNumber {
    fileprivate init(unchecked label: String, _ number: String) {
        self.label = label
        self.number = number
    }
}
