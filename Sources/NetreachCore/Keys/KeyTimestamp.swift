import Glibc

/// A moment in UTC as key files write it: `YYYY-MM-DDTHH:MM:SSZ`, exactly 20 characters.
/// Only real calendar moments are accepted (month 01–12, a day the month has, 00:00:00–23:59:59);
/// a leap second (`:60`) is refused, since nothing in Netreach needs one.
public struct KeyTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first and last moments four digits of year can write.
    static let range: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

    public let secondsSince1970: Int64

    /// Throws `invalidValue` for a moment before year 0000 or after year 9999.
    public init(secondsSince1970: Int64) throws(KeyError) {
        guard KeyTimestamp.range.contains(secondsSince1970) else {
            throw KeyError(code: .invalidValue, "\(secondsSince1970) seconds since 1970 is outside years 0000–9999")
        }
        self.secondsSince1970 = secondsSince1970
    }

    /// Reads the value of an `issued:` or `revoked:` line.
    public init(parsing text: String) throws(KeyError) {
        let c = Array(text.utf8)
        let invalid = KeyError(code: .invalidValue, "a time is written YYYY-MM-DDTHH:MM:SSZ in UTC, got '\(shortened(text))'")
        guard c.count == 20, c[4] == 0x2D, c[7] == 0x2D, c[10] == 0x54, c[13] == 0x3A, c[16] == 0x3A, c[19] == 0x5A
        else { throw invalid }
        func number(_ range: Range<Int>) throws(KeyError) -> Int64 {
            var value: Int64 = 0
            for digit in c[range] {
                guard (0x30...0x39).contains(digit) else { throw invalid }
                value = value * 10 + Int64(digit - 0x30)
            }
            return value
        }
        let (year, month, day) = (try number(0..<4), try number(5..<7), try number(8..<10))
        let (hour, minute, second) = (try number(11..<13), try number(14..<16), try number(17..<19))
        guard (1...12).contains(month), (1...KeyTimestamp.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60 else { throw invalid }
        let days = KeyTimestamp.daysSince1970(year: year, month: month, day: day)
        secondsSince1970 = days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// The current time, to the second.
    public static func now() throws(KeyError) -> KeyTimestamp {
        try KeyTimestamp(secondsSince1970: Int64(time(nil)))
    }

    /// The 20-character text.
    public var text: String {
        let days = secondsSince1970 >= 0 ? secondsSince1970 / 86_400 : (secondsSince1970 - 86_399) / 86_400
        let secondOfDay = secondsSince1970 - days * 86_400
        let (year, month, day) = KeyTimestamp.civil(daysSince1970: days)
        func digits(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))T\(digits(secondOfDay / 3_600, 2)):"
            + "\(digits(secondOfDay / 60 % 60, 2)):\(digits(secondOfDay % 60, 2))Z"
    }

    public var description: String { text }

    public static func < (a: KeyTimestamp, b: KeyTimestamp) -> Bool { a.secondsSince1970 < b.secondsSince1970 }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil and civil_from_days, for the proleptic Gregorian calendar.
    private static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
