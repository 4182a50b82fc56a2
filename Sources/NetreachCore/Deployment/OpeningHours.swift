public import Foundation

/// When someone is on duty, as the deployment sets it (docs/WEB.md): sessions on days of the week
/// in one time zone. A session whose closing time is not after its opening time runs past
/// midnight into the next day (night outreach), and counts as that first day's session.
public struct OpeningHours: Sendable, Hashable {
    public enum Day: String, CaseIterable, Sendable, Hashable {
        case mon, tue, wed, thu, fri, sat, sun
    }

    public struct Session: Sendable, Hashable {
        public let days: [Day]
        /// Minutes after midnight, 0…1439.
        public let opens: Int
        /// Minutes after midnight, 1…1440 (24:00); at or before `opens` means the next day.
        public let closes: Int

        /// `opens` and `closes` as "HH:MM" ("24:00" for a closing time of midnight).
        public init(days: [Day], opens: String, closes: String) throws(ConfigurationError) {
            guard !days.isEmpty else { throw ConfigurationError(message: "an opening-hours session names no days") }
            guard let open = Self.minutes(opens), open < 1440 else {
                throw ConfigurationError(message: "opening time '\(opens)' is not HH:MM between 00:00 and 23:59")
            }
            guard let close = Self.minutes(closes), close > 0 else {
                throw ConfigurationError(message: "closing time '\(closes)' is not HH:MM between 00:01 and 24:00")
            }
            self.days = days
            self.opens = open
            self.closes = close
        }

        static func minutes(_ text: String) -> Int? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
                  let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0..<60).contains(minutes)
            else { return nil }
            let total = hours * 60 + minutes
            return total <= 1440 ? total : nil
        }

        static func text(_ minutes: Int) -> String {
            String(format: "%02d:%02d", minutes / 60, minutes % 60)
        }

        var json: [String: any Sendable] {
            ["days": days.map(\.rawValue), "opens": Self.text(opens), "closes": Self.text(closes)]
        }
    }

    /// An IANA time zone name, e.g. `Europe/London`.
    public let timeZone: String
    public let sessions: [Session]

    public init(timeZone: String, sessions: [Session]) throws(ConfigurationError) {
        guard TimeZone(identifier: timeZone) != nil else {
            throw ConfigurationError(message: "'\(timeZone)' is not a time zone name (e.g. Europe/London)")
        }
        self.timeZone = timeZone
        self.sessions = sessions
    }

    /// No schedule: the page then says neither that someone is on duty nor that nobody is.
    public static let unset = OpeningHours(unchecked: "UTC", sessions: [])

    private init(unchecked timeZone: String, sessions: [Session]) {
        self.timeZone = timeZone
        self.sessions = sessions
    }

    /// Whether a session is running at `date`; nil when no schedule is set.
    public func isOpen(at date: Date) -> Bool? {
        guard !sessions.isEmpty, let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        // Calendar weekdays run 1 (Sunday) … 7 (Saturday).
        let today = Day.allCases[((parts.weekday ?? 1) + 5) % 7]
        let yesterday = Day.allCases[(Day.allCases.firstIndex(of: today)! + 6) % 7]
        let now = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return sessions.contains { session in
            if session.closes > session.opens {
                return session.days.contains(today) && session.opens <= now && now < session.closes
            }
            return (session.days.contains(today) && now >= session.opens)
                || (session.days.contains(yesterday) && now < session.closes)
        }
    }

    /// The schedule as `/v1/deployment` serves it.
    public var json: [String: any Sendable] {
        ["timeZone": timeZone, "sessions": sessions.map(\.json)]
    }
}
