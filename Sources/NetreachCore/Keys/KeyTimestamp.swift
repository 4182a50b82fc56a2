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
        let days = CivilCalendar.daysSince1970(year: year, month: month, day: day)
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
        let (year, month, day) = CivilCalendar.civil(daysSince1970: days)
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
}
