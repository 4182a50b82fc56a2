public import Sodium

/// A staff member's encryption key for one period (docs/KEYS.md, "Period keys"): the content of
/// `key.period`, which the staff member signs as its author, so that the event is the certificate.
/// Conversation and staff keys are wrapped to it while its period lasts; once everything wrapped
/// to it has passed retention, its secret half is destroyed, and no copy of the log, of a backup
/// or of the staff member's home folder made after that can open those wraps.
///
/// Content (49 bytes): version `1` (1) ‖ start (8) ‖ end (8) ‖ X25519 public key (32); times are
/// milliseconds since 1970 (UTC), little-endian as every integer of the protocol; the period is `start ..< end`.
public struct PeriodKey: Hashable, Sendable {
    public static let version: UInt8 = 1
    public static let contentCount = 49
    /// The longest period a key may cover: a year and a month of slack (a deployment's period is a
    /// month by default, configurable up to a year).
    public static let maximumMilliseconds: UInt64 = 400 * 86_400_000

    /// The last moment four digits of year can write (23:59:59 on 9999-12-31), in milliseconds.
    static let lastMilliseconds: UInt64 = 253_402_300_799_000

    public let start: UInt64
    public let end: UInt64
    public let boxKey: BoxPublicKey

    public init(start: UInt64, end: UInt64, boxKey: BoxPublicKey) throws(ProtocolError) {
        guard start < end else { throw ProtocolError(.malformed, "a period key's period ends (\(end)) before it starts (\(start))") }
        guard end - start <= Self.maximumMilliseconds else {
            throw ProtocolError(.malformed, "a period key covers at most 400 days, not \((end - start) / 86_400_000)")
        }
        guard end <= Self.lastMilliseconds else { throw ProtocolError(.malformed, "a period key's period ends after year 9999") }
        self.start = start
        self.end = end
        self.boxKey = boxKey
    }

    public init(content: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(content, what: "key.period")
        let version = try reader.integer(UInt8.self)
        guard version == Self.version else { throw ProtocolError(.malformed, "key.period version \(version) is not known (1 is)") }
        let start = try reader.integer(UInt64.self)
        let end = try reader.integer(UInt64.self)
        // Taken apart from the conversion: a `try!` over both would crash on cut-short content.
        let keyBytes = try reader.take(32)
        try reader.finish()
        try self.init(start: start, end: end, boxKey: try! BoxPublicKey(keyBytes))  // exactly 32 bytes: cannot fail
    }

    public var content: [UInt8] {
        var out = [Self.version]
        out.appendInteger(start)
        out.appendInteger(end)
        out += boxKey.bytes
        return out
    }

    /// The period as people read it: `2026-12-01T00:00:00Z – 2027-01-01T00:00:00Z`.
    public var periodText: String { Self.text(start) + " – " + Self.text(end) }

    static func text(_ milliseconds: UInt64) -> String {
        // Within years 0000–9999 by the initialiser's check: cannot fail.
        try! KeyTimestamp(secondsSince1970: Int64(milliseconds / 1000)).text
    }

    /// How long either side of its period a key is still taken (clocks differ): a day. The relay takes
    /// wraps to a key that long after its end, and a client keeps the key at least that long.
    public static let slackMilliseconds: UInt64 = 86_400_000

    /// The calendar month (UTC) that contains `time` (milliseconds): a staff client's period.
    public static func month(containing time: UInt64) -> (start: UInt64, end: UInt64) {
        let (year, month, _) = CivilCalendar.civil(daysSince1970: Int64(time / 86_400_000))
        let start = CivilCalendar.daysSince1970(year: year, month: month, day: 1)
        let end = month == 12 ? CivilCalendar.daysSince1970(year: year + 1, month: 1, day: 1)
            : CivilCalendar.daysSince1970(year: year, month: month + 1, day: 1)
        return (UInt64(start) * 86_400_000, UInt64(end) * 86_400_000)
    }

    /// The period that contains `time` under a policy's key period (`RetentionPolicy.keyPeriodDays`):
    /// the calendar month when nil, else the `days`-long slice of days counted from 1970-01-01 UTC.
    public static func period(containing time: UInt64, days: Int?) -> (start: UInt64, end: UInt64) {
        guard let days, days > 0 else { return month(containing: time) }
        let length = UInt64(days) * 86_400_000
        let start = time / length * length
        return (start, start + length)
    }

    /// Whether the period contains `time` (milliseconds).
    public func covers(_ time: UInt64) -> Bool { start <= time && time < end }

    /// The 16 bytes that name this key as a wrap's recipient:
    /// `SHA-512(ctx("netreach/v1/period-key-id") ‖ staff Ed25519 key ‖ X25519 key)[0..<16]`. The
    /// context differs from a staff key id's, so the two can never name the same key.
    public func keyID(staff: SigningPublicKey) -> [UInt8] { Self.keyID(staff: staff, boxKey: boxKey) }

    public static func keyID(staff: SigningPublicKey, boxKey: BoxPublicKey) -> [UInt8] {
        Array(SHA512.hash(DomainSeparation.periodKeyID.input(staff.bytes + boxKey.bytes)).prefix(16))
    }
}
