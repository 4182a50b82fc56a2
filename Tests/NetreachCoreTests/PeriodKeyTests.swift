import NetreachCore
import Sodium
import Testing

/// The content of `key.period` read strictly (docs/KEYS.md, "Period keys"): a good one round-trips,
/// each bad one is refused with a typed error, and its key id can never be a staff key id.
@Suite("Period keys: the content of key.period and the key id")
struct PeriodKeyTests {
    static let december: (UInt64, UInt64) = (1_796_083_200_000, 1_798_761_600_000)

    @Test("a period key round-trips, says its period in UTC, and covers its start but not its end")
    func roundTrip() throws {
        let box = BoxKeyPair.generate().publicKey
        let key = try PeriodKey(start: Self.december.0, end: Self.december.1, boxKey: box)
        #expect(key.content.count == PeriodKey.contentCount)
        #expect(try PeriodKey(content: key.content) == key)
        #expect(key.periodText == "2026-12-01T00:00:00Z – 2027-01-01T00:00:00Z")
        #expect(key.covers(Self.december.0) && key.covers(Self.december.1 - 1) && !key.covers(Self.december.1))
        #expect(!key.covers(Self.december.0 - 1))
    }

    @Test("a key id names the staff member's period key, and differs from every staff key id and from another member's")
    func keyID() throws {
        let staff = SigningKeyPair.generate().publicKey, other = SigningKeyPair.generate().publicKey
        let key = try PeriodKey(start: Self.december.0, end: Self.december.1, boxKey: BoxKeyPair.generate().publicKey)
        let id = key.keyID(staff: staff)
        #expect(id.count == 16)
        #expect(id != KeyID(staff).bytes)
        #expect(id != key.keyID(staff: other))
        #expect(id == Array(SHA512.hash(Array("netreach/v1/period-key-id".utf8) + [0] + staff.bytes + key.boxKey.bytes).prefix(16)))
    }

    @Test("bad content is refused: another version, a period that ends first or is empty, longer than 400 days, past year 9999, cut short or too long")
    func badContent() throws {
        let good = try PeriodKey(start: Self.december.0, end: Self.december.1, boxKey: BoxKeyPair.generate().publicKey).content
        var otherVersion = good
        otherVersion[0] = 2
        func with(start: UInt64, end: UInt64) -> [UInt8] {
            var bytes: [UInt8] = [1]
            withUnsafeBytes(of: start.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: end.littleEndian) { bytes += $0 }
            return bytes + good.suffix(32)
        }
        let bad: [(String, [UInt8])] = [
            ("version 2", otherVersion), ("empty", []), ("cut short", Array(good.dropLast())), ("one byte more", good + [0]),
            ("ends before it starts", with(start: Self.december.1, end: Self.december.0)),
            ("ends as it starts", with(start: Self.december.0, end: Self.december.0)),
            ("401 days", with(start: Self.december.0, end: Self.december.0 + 401 * 86_400_000)),
            ("past year 9999", with(start: 253_402_300_000_000, end: 253_402_400_000_000)),
        ]
        for (what, content) in bad {
            #expect(throws: ProtocolError.self, "\(what) was accepted") { try PeriodKey(content: content) }
        }
        #expect(throws: ProtocolError.self) {
            try PeriodKey(start: Self.december.0, end: Self.december.0 + 400 * 86_400_000 + 1, boxKey: BoxKeyPair.generate().publicKey)
        }
        _ = try PeriodKey(start: Self.december.0, end: Self.december.0 + 400 * 86_400_000, boxKey: BoxKeyPair.generate().publicKey)
    }
}
