import NetreachCore
import Sodium
import Testing

@Suite("Revocations")
struct RevocationTests {
    static let certificate = TestKeys.certificate("carol", seed: 5, serial: try! EnrolmentSerial(bytes: Array(16..<32)))
    static let revocation = TestKeys.revocation(of: certificate)

    @Test("an issued revocation verifies and reads back to the same values and bytes")
    func roundTrip() throws {
        let read = try Revocation(verifying: Self.revocation.fileBytes, organisation: TestKeys.orgPublic)
        #expect(read == Self.revocation)
        #expect(read.name == Self.certificate.name)
        #expect(read.serial == Self.certificate.serial)
        #expect(read.signKey == Self.certificate.signKey)
        #expect(read.reason.text == "left the service")
        #expect(read.fileName == "carol-EBESExQVFhcYGRobHB0eHw.rev")
    }

    @Test("the file has the document's seven lines in order, signed over everything before the signature")
    func layout() {
        let fileText = text(Self.revocation.fileBytes)
        let fields = fileText.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        #expect(fields == ["netreach-revocation-v1", "name", "serial", "sign", "revoked", "reason", "signature"])
        let body = fileText.components(separatedBy: "signature: ")[0]
        let message = Array("netreach/v1/revocation".utf8) + [0] + Array(body.utf8)
        #expect(TestKeys.organisation.publicKey.isValidSignature(Self.revocation.signature, for: message))
    }

    @Test("a revocation signed by another organisation key is refused")
    func wrongOrganisation() {
        let other = TestKeys.revocation(of: Self.certificate, by: TestKeys.otherOrganisation)
        let error = #expect(throws: KeyError.self) {
            try Revocation(verifying: other.fileBytes, organisation: TestKeys.orgPublic, fileName: other.fileName)
        }
        #expect(error?.code == .badSignature)
        #expect(error?.line == 7)
        #expect(error?.file == other.fileName)
    }

    @Test("changing any signed field breaks the signature", arguments: [
        ("name: carol", "name: carl"), ("serial: EBESExQVFhcYGRobHB0eHw", "serial: EBESExQVFhcYGRobHB0eIA"),
        ("reason: left the service", "reason: left the servicf"),
        ("revoked: 2026-03-02T17:05:41Z", "revoked: 2026-03-02T17:05:42Z"),
        ("sign: " + Base64URL.encode(TestKeys.keyPair(seed: 5).publicKey),
         "sign: " + Base64URL.encode(TestKeys.keyPair(seed: 6).publicKey)),
    ])
    func tamperedField(old: String, new: String) {
        let bytes = replacing(old + "\n", with: new + "\n", in: Self.revocation.fileBytes)
        let error = #expect(throws: KeyError.self) { try Revocation(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .badSignature)
    }

    @Test("an enrolment signature cannot pass for a revocation signature")
    func contextSeparation() {
        let body = text(Self.revocation.fileBytes).components(separatedBy: "signature: ")[0]
        let error = #expect(throws: KeyError.self) {
            try Revocation(verifying: signedFile(body, context: .enrolment), organisation: TestKeys.orgPublic)
        }
        #expect(error?.code == .badSignature)
    }

    /// A correctly signed revocation whose reason and time are these texts.
    static func signed(reason: String, revoked: String = "2026-03-02T17:05:41Z") -> [UInt8] {
        signedFile("netreach-revocation-v1\nname: carol\nserial: EBESExQVFhcYGRobHB0eHw\n"
                   + "sign: \(Base64URL.encode(TestKeys.keyPair(seed: 5).publicKey))\nrevoked: \(revoked)\n"
                   + "reason: \(reason)\n", context: .revocation)
    }

    @Test("a signed revocation with a reason or time the document does not allow is refused on its line", arguments: [
        (signed(reason: String(repeating: "x", count: 201)), 6), (signed(reason: "caf\u{E9}"), 6),
        (signed(reason: "ok", revoked: "yesterday"), 5),
    ])
    func signedButInvalid(bytes: [UInt8], line: Int) {
        let error = #expect(throws: KeyError.self) { try Revocation(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == line)
    }

    @Test("a reason of exactly 200 characters is accepted")
    func longestReason() throws {
        let reason = String(repeating: "y", count: 200)
        #expect(try Revocation(verifying: Self.signed(reason: reason), organisation: TestKeys.orgPublic).reason.text == reason)
    }

    @Test("a reason holding a colon and a space reads back whole")
    func reasonWithColon() throws {
        let reason = "lost: laptop taken from car"
        #expect(try Revocation(verifying: Self.signed(reason: reason), organisation: TestKeys.orgPublic).reason.text == reason)
    }
}
