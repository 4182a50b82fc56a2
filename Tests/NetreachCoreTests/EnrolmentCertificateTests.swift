import NetreachCore
import Sodium
import Testing

@Suite("Enrolment certificates")
struct EnrolmentCertificateTests {
    static let serial = try! EnrolmentSerial(bytes: Array(0..<16))
    static let certificate = TestKeys.certificate("alice", seed: 3, role: .supervisor, serial: serial)

    @Test("an issued certificate verifies and reads back to the same values and bytes")
    func roundTrip() throws {
        let read = try EnrolmentCertificate(verifying: Self.certificate.fileBytes, organisation: TestKeys.orgPublic)
        #expect(read == Self.certificate)
        #expect(read.staffPublicKey == TestKeys.staff("alice", seed: 3))
        #expect(read.role == .supervisor)
        #expect(read.issued == TestKeys.issued)
        #expect(read.serial == Self.serial)
        #expect(read.fileName == "alice.cert")
        #expect(read.keyID == KeyID(TestKeys.keyPair(seed: 3).publicKey))
    }

    @Test("the file has the document's eight lines in order")
    func layout() {
        let lines = text(Self.certificate.fileBytes).split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        #expect(lines == ["netreach-enrolment-v1", "name", "role", "sign", "box", "issued", "serial", "signature"])
    }

    @Test("the signature covers the enrolment context and the file up to the serial line")
    func signedMessage() throws {
        let bytes = Self.certificate.fileBytes
        let body = text(bytes).components(separatedBy: "signature: ")[0]
        let message = Array("netreach/v1/enrolment".utf8) + [0] + Array(body.utf8)
        #expect(TestKeys.organisation.publicKey.isValidSignature(Self.certificate.signature, for: message))
    }

    @Test("issuing is deterministic for the same fields and key")
    func deterministic() {
        #expect(TestKeys.certificate("alice", seed: 3, role: .supervisor, serial: Self.serial).fileBytes
                == Self.certificate.fileBytes)
    }

    @Test("a certificate signed by another organisation key is refused")
    func wrongOrganisation() {
        let other = TestKeys.certificate("alice", seed: 3, by: TestKeys.otherOrganisation)
        let error = #expect(throws: KeyError.self) {
            try EnrolmentCertificate(verifying: other.fileBytes, organisation: TestKeys.orgPublic, fileName: "alice.cert")
        }
        #expect(error?.code == .badSignature)
        #expect(error?.line == 8)
        #expect(error?.file == "alice.cert")
    }

    @Test("changing any signed field breaks the signature", arguments: [
        ("name: alice", "name: alicf"), ("role: supervisor", "role: worker"),
        ("issued: 2026-01-15T09:30:00Z", "issued: 2026-01-15T09:30:01Z"),
        ("serial: AAECAwQFBgcICQoLDA0ODw", "serial: AAECAwQFBgcICQoLDA0OEA"),
        ("box: " + Base64URL.encode(TestKeys.boxKeyPair(seed: 3).publicKey),
         "box: " + Base64URL.encode(TestKeys.boxKeyPair(seed: 4).publicKey)),
        ("sign: " + Base64URL.encode(TestKeys.keyPair(seed: 3).publicKey),
         "sign: " + Base64URL.encode(TestKeys.keyPair(seed: 4).publicKey)),
    ])
    func tamperedField(old: String, new: String) {
        let bytes = replacing(old + "\n", with: new + "\n", in: Self.certificate.fileBytes)
        let error = #expect(throws: KeyError.self) {
            try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic)
        }
        #expect(error?.code == .badSignature)
    }

    @Test("a signature made in another context, or over other bytes, is refused", arguments: [
        (DomainSeparation.revocation, ""), (DomainSeparation.enrolment, "x"),
    ])
    func foreignSignature(context: DomainSeparation, extra: String) {
        let body = text(Self.certificate.fileBytes).components(separatedBy: "signature: ")[0]
        let signature = TestKeys.organisation.sign(context.input(Array((body + extra).utf8)))
        let bytes = Array((body + "signature: \(Base64URL.encode(signature))\n").utf8)
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .badSignature)
        #expect(error?.line == 8)
    }

    @Test("a signature with one bit flipped is refused", arguments: [0, 31, 63])
    func flippedSignatureBit(index: Int) {
        var signature = Self.certificate.signature.bytes
        signature[index] ^= 0x01
        let bytes = replacing(Base64URL.encode(Self.certificate.signature), with: Base64URL.encode(signature),
                              in: Self.certificate.fileBytes)
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .badSignature)
        #expect(error?.line == 8)
    }

    @Test("a signature that is not 64 bytes of base64url is refused on its line",
          arguments: ["", "AAAA", Base64URL.encode([UInt8](repeating: 1, count: 63)), Base64URL.encode([UInt8](repeating: 1, count: 65))])
    func malformedSignature(value: String) {
        let body = text(Self.certificate.fileBytes).components(separatedBy: "signature: ")[0]
        let bytes = Array((body + "signature: \(value)\n").utf8)
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == (value.isEmpty ? .malformedText : .invalidValue))
        #expect(error?.line == 8)
    }

    @Test("a missing signature line is refused")
    func missingSignature() {
        let body = text(Self.certificate.fileBytes).components(separatedBy: "signature: ")[0]
        let error = #expect(throws: KeyError.self) {
            try EnrolmentCertificate(verifying: Array(body.utf8), organisation: TestKeys.orgPublic)
        }
        #expect(error?.code == .missingField)
        #expect(error?.line == 8)
    }

    /// A correctly signed certificate whose fields are these texts.
    static func signed(name: String = "alice", role: String = "worker", issued: String = "2026-01-15T09:30:00Z",
                       serial: String = "AAECAwQFBgcICQoLDA0ODw", languages: String? = nil) -> [UInt8] {
        signedFile("netreach-enrolment-v1\nname: \(name)\nrole: \(role)\n"
                   + "sign: \(Base64URL.encode(TestKeys.keyPair(seed: 3).publicKey))\n"
                   + "box: \(Base64URL.encode(TestKeys.boxKeyPair(seed: 3).publicKey))\n"
                   + "issued: \(issued)\nserial: \(serial)\n" + (languages.map { "languages: \($0)\n" } ?? ""),
                   context: .enrolment)
    }

    static let speaking = EnrolmentCertificate.issue(
        enrolling: TestKeys.staff("alice", seed: 3), role: .worker, issued: TestKeys.issued, serial: serial,
        languages: [try! VisitorLanguage("ro"), try! VisitorLanguage("pt-BR")], organisationKey: TestKeys.organisation)

    @Test("languages: an optional signed line after the serial; they read back, and a certificate without it lists none")
    func languages() throws {
        let read = try EnrolmentCertificate(verifying: Self.speaking.fileBytes, organisation: TestKeys.orgPublic)
        #expect(read.languages.map(\.tag) == ["ro", "pt-BR"])
        #expect(text(read.fileBytes).contains("\nserial: AAECAwQFBgcICQoLDA0ODw\nlanguages: ro, pt-BR\nsignature: "))
        let body = text(read.fileBytes).components(separatedBy: "signature: ")[0]
        #expect(TestKeys.organisation.publicKey.isValidSignature(
            read.signature, for: Array("netreach/v1/enrolment".utf8) + [0] + Array(body.utf8)))
        #expect(try EnrolmentCertificate(verifying: Self.certificate.fileBytes, organisation: TestKeys.orgPublic).languages.isEmpty)
    }

    @Test("the languages are signed: changed, removed, or added to a certificate signed without them, it is refused")
    func languagesSigned() {
        let changed = replacing("languages: ro, pt-BR\n", with: "languages: ro, pt-PT\n", in: Self.speaking.fileBytes)
        let removed = replacing("languages: ro, pt-BR\n", with: "", in: Self.speaking.fileBytes)
        let added = replacing("signature: ", with: "languages: ro\nsignature: ", in: Self.certificate.fileBytes)
        for bytes in [changed, removed, added] {
            let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
            #expect(error?.code == .badSignature)
        }
    }

    @Test("signed languages the document does not allow are refused on their line", arguments: [
        "ro,es", "ro, RO", "ro,  es", "r", "ro, e_s", (["ro"] + (1...16).map { "x\($0)" }).joined(separator: ", "),
    ])
    func badLanguages(value: String) {
        let error = #expect(throws: KeyError.self) {
            try EnrolmentCertificate(verifying: Self.signed(languages: value), organisation: TestKeys.orgPublic)
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 8)
    }

    @Test("a languages line anywhere but after the serial is refused")
    func languagesOutOfPlace() {
        let bytes = replacing("issued: ", with: "languages: ro\nissued: ", in: Self.signed())
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .unexpectedField)
        #expect(error?.line == 6)
    }

    @Test("a signed certificate with a value the document does not allow is still refused, on its line", arguments: [
        (signed(role: "admin"), 3), (signed(role: "Worker"), 3), (signed(name: "Alice"), 2), (signed(name: "al ice"), 2),
        (signed(issued: "2026-02-30T00:00:00Z"), 6), (signed(serial: "AAECAwQFBgcICQoLDA0O"), 7),
    ])
    func signedButInvalid(bytes: [UInt8], line: Int) {
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == line)
    }

    @Test("the signature is checked before the values are interpreted")
    func signatureFirst() {
        let bytes = replacing("role: worker", with: "role: admin", in: Self.signed())
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .badSignature)
    }

    @Test("a certificate is refused when a line is added after the signature, even a signed-looking one")
    func trailingLine() {
        let bytes = Self.certificate.fileBytes + Array("signature: AAAA\n".utf8)
        let error = #expect(throws: KeyError.self) { try EnrolmentCertificate(verifying: bytes, organisation: TestKeys.orgPublic) }
        #expect(error?.code == .unexpectedField)
        #expect(error?.line == 9)
    }
}
