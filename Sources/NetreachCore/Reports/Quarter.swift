/// A calendar quarter in UTC, written `2026Q3` (docs/READ-MODELS.md, "Quarterly report").
public struct Quarter: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    /// 1 … 4.
    public let number: Int

    public init(year: Int, number: Int) throws(IncidentError) {
        guard (2000...2099).contains(year), (1...4).contains(number) else {
            throw IncidentError(.malformed, "a quarter is written like 2026Q3 (years 2000–2099, quarters 1–4)", field: "quarter")
        }
        self.year = year
        self.number = number
    }

    /// Reads `YYYYQn`.
    public init(_ text: String) throws(IncidentError) {
        let parts = text.uppercased().split(separator: "Q", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 1, let year = Int(parts[0]), let number = Int(parts[1]) else {
            throw IncidentError(.malformed, "a quarter is written like 2026Q3, got '\(text.prefix(20))'", field: "quarter")
        }
        try self.init(year: year, number: number)
    }

    public var description: String { "\(year)Q\(number)" }

    public static func < (lhs: Quarter, rhs: Quarter) -> Bool { (lhs.year, lhs.number) < (rhs.year, rhs.number) }

    /// The quarter before; 2000Q1 has none.
    public var previous: Quarter? { try? number == 1 ? Quarter(year: year - 1, number: 4) : Quarter(year: year, number: number - 1) }

    /// Its three months, `YYYY-MM`.
    public var months: [String] {
        (0..<3).map { offset in
            let month = (number - 1) * 3 + offset + 1
            return "\(year)-" + (month < 10 ? "0" : "") + "\(month)"
        }
    }

    /// Milliseconds since 1970 at the start of month `index` (0 … 3, where 3 is the next quarter's start).
    public func monthStart(_ index: Int) -> UInt64 {
        let month0 = (number - 1) * 3 + index  // months since January, may reach 12
        let year = self.year + month0 / 12
        return UInt64(CivilCalendar.daysSince1970(year: Int64(year), month: Int64(month0 % 12 + 1), day: 1)) * 86_400_000
    }

    public var start: UInt64 { monthStart(0) }
    /// Exclusive.
    public var end: UInt64 { monthStart(3) }

    public func contains(_ milliseconds: UInt64) -> Bool { milliseconds >= start && milliseconds < end }

    /// Its first and last days, `YYYY-MM-DD` (UTC).
    public var firstDay: String { Quarter.date(start) }
    public var lastDay: String { Quarter.date(end - 86_400_000) }

    /// A time as its UTC date, `YYYY-MM-DD`, without Foundation.
    public static func date(_ milliseconds: UInt64) -> String {
        let (year, month, day) = CivilCalendar.civil(daysSince1970: Int64(milliseconds / 86_400_000))
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// 0, 1 or 2 for a time in the quarter, else nil.
    public func monthIndex(of milliseconds: UInt64) -> Int? {
        guard contains(milliseconds) else { return nil }
        return milliseconds < monthStart(1) ? 0 : milliseconds < monthStart(2) ? 1 : 2
    }
}
