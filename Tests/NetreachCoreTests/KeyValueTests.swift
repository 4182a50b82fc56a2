import NetreachCore
import Sodium
import Testing

@Suite("Field values: names, roles, times, reasons and base64url")
struct KeyValueTests {
    @Test("names that follow the rule are accepted",
          arguments: ["a", "alice", "0day", "a.b_c-d", "x-", String(repeating: "z", count: 32)])
    func goodNames(name: String) throws {
        #expect(try StaffName(name).text == name)
        #expect(try DeploymentName(name).text == name)
    }

    @Test("names that break the rule are refused",
          arguments: ["", "Alice", "-alice", ".alice", "_alice", "al ice", "alice/bob", "élise", "al:ice",
                      "alice\u{0}", String(repeating: "z", count: 33)])
    func badNames(name: String) {
        let error = #expect(throws: KeyError.self) { try StaffName(name) }
        #expect(error?.code == .invalidValue)
        #expect(throws: KeyError.self) { try DeploymentName(name) }
    }

    @Test("a role is worker or supervisor, nothing else", arguments: ["Worker", "admin", "worker ", "", "supervisors"])
    func badRoles(role: String) {
        let error = #expect(throws: KeyError.self) { try StaffRole(parsing: role) }
        #expect(error?.code == .invalidValue)
    }

    @Test("times read back to the same text and seconds", arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)), ("1969-12-31T23:59:59Z", -1), ("2000-02-29T12:00:00Z", 951_825_600),
        ("2026-01-15T09:30:00Z", 1_768_469_400), ("0000-01-01T00:00:00Z", -62_167_219_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
    ])
    func goodTimes(text: String, seconds: Int64) throws {
        let time = try KeyTimestamp(parsing: text)
        #expect(time.secondsSince1970 == seconds)
        #expect(try KeyTimestamp(secondsSince1970: seconds).text == text)
    }

    @Test("times that are not YYYY-MM-DDTHH:MM:SSZ of a real moment are refused", arguments: [
        "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-15T24:00:00Z", "2026-01-15T23:60:00Z",
        "2026-01-15T23:59:60Z", "2026-01-15t09:30:00z", "2026-01-15 09:30:00Z", "2026-01-15T09:30:00",
        "2026-01-15T09:30:00+00:00", "2026-1-15T09:30:00Z", "+026-01-15T09:30:00Z", "2026-01-15T09:30:00.0Z", "",
    ])
    func badTimes(text: String) {
        let error = #expect(throws: KeyError.self) { try KeyTimestamp(parsing: text) }
        #expect(error?.code == .invalidValue)
    }

    @Test("a moment outside years 0000–9999 has no text and is refused",
          arguments: [Int64(-62_167_219_201), 253_402_300_800, .max, .min])
    func timeRange(seconds: Int64) {
        #expect(throws: KeyError.self) { try KeyTimestamp(secondsSince1970: seconds) }
    }

    @Test("the current time is a valid key time")
    func now() throws {
        let now = try KeyTimestamp.now()
        #expect(try KeyTimestamp(parsing: now.text) == now)
    }

    @Test("a reason is 1–200 printable ASCII characters without outer spaces",
          arguments: ["", " left", "left ", "tab\there", "line\nbreak", "caf\u{E9}", "\u{202E}reversed",
                      String(repeating: "r", count: 201)])
    func badReasons(reason: String) {
        let error = #expect(throws: KeyError.self) { try RevocationReason(reason) }
        #expect(error?.code == .invalidValue)
    }

    @Test("a reason of 200 characters with inner spaces and punctuation is accepted")
    func longReason() throws {
        let reason = String(repeating: "a; b-c ", count: 28) + "done"
        #expect(reason.count == 200)
        #expect(try RevocationReason(reason).text == reason)
    }

    @Test("a serial is 16 bytes of canonical unpadded base64url",
          arguments: ["", "AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA",
                      "AAAAAAAAAAAAAAAAAAAAAB", "AAAAAAAAAAAAAAAAAAAA+A", "AAAAAAAAAAAAAAAAAAAA/A", "AAAAAAAAAAAAAAAAAAAA A"])
    func badSerials(text: String) {
        let error = #expect(throws: KeyError.self) { try EnrolmentSerial(parsing: text) }
        #expect(error?.code == .invalidValue)
    }

    @Test("a serial's text reads back to the same bytes")
    func serialRoundTrip() throws {
        let serial = EnrolmentSerial.random()
        #expect(try EnrolmentSerial(parsing: serial.description) == serial)
    }

    /// A staff public key file whose `sign:` or `box:` value is replaced.
    static func staffFile(sign: String? = nil, box: String? = nil) -> [UInt8] {
        let key = TestKeys.staff("alice", seed: 3)
        return Array(("netreach-staff-public-key-v1\nname: alice\nsign: \(sign ?? Base64URL.encode(key.signKey))\n"
            + "box: \(box ?? Base64URL.encode(key.boxKey))\n").utf8)
    }

    @Test("a key value that is not 32 bytes of canonical base64url is refused on its line", arguments: [
        Base64URL.encode([UInt8](repeating: 7, count: 31)), Base64URL.encode([UInt8](repeating: 7, count: 33)),
        Base64URL.encode([UInt8](repeating: 7, count: 32)) + "=", "*" + Base64URL.encode([UInt8](repeating: 7, count: 32)).dropFirst(),
        String(Base64URL.encode([UInt8](repeating: 7, count: 32)).dropLast()) + "x",
        Base64URL.encode([UInt8](repeating: 7, count: 32)).replacingOccurrences(of: "B", with: "+"),
        "not base64 at all",
    ])
    func badKeys(value: String) {
        let sign = #expect(throws: KeyError.self) { try StaffPublicKey(parsing: Self.staffFile(sign: value)) }
        #expect(sign?.code == .invalidValue)
        #expect(sign?.line == 3)
        let box = #expect(throws: KeyError.self) { try StaffPublicKey(parsing: Self.staffFile(box: value)) }
        #expect(box?.code == .invalidValue)
        #expect(box?.line == 4)
    }

    @Test("a name that breaks the rule is refused on its line")
    func badNameLine() {
        let bytes = replacing("name: alice\n", with: "name: Alice\n", in: TestKeys.staff("alice", seed: 3).fileBytes)
        let error = #expect(throws: KeyError.self) { try StaffPublicKey(parsing: bytes) }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 2)
    }

    @Test("public key files read back to the same values and bytes")
    func publicKeyRoundTrips() throws {
        let staff = TestKeys.staff("alice", seed: 3)
        #expect(try StaffPublicKey(parsing: staff.fileBytes) == staff)
        #expect(try StaffPublicKey(parsing: staff.fileBytes).fileBytes == staff.fileBytes)
        #expect(try OrganisationPublicKey(parsing: TestKeys.orgPublic.fileBytes) == TestKeys.orgPublic)
        #expect(text(TestKeys.orgPublic.fileBytes)
                == "netreach-org-public-key-v1\nname: test-deployment\nsign: \(Base64URL.encode(TestKeys.organisation.publicKey))\n")
    }

    @Test("an org.pub with a staff file's magic is refused")
    func orgPubMagic() {
        let error = #expect(throws: KeyError.self) {
            try OrganisationPublicKey(parsing: TestKeys.staff("alice", seed: 3).fileBytes, fileName: "org.pub")
        }
        #expect(error?.code == .unknownFormat)
        #expect(error?.file == "org.pub")
    }
}
