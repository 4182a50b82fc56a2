import ChildProcess
import Foundation
import NetreachCore
import Sodium
import Testing

/// expected.json, written by Fixtures/keys_interop.py (PyNaCl) next to the files it made.
struct ExpectedKeys: Decodable, Sendable {
    struct Org: Decodable, Sendable { let name, sign, seed, keyId, fingerprint: String }
    struct Staff: Decodable, Sendable {
        let name, role, sign, box, signSeed, boxSecret, keyId, fingerprint, serial, issued: String
        let languages: [String]
        let revoked: Bool
    }
    struct RevocationEntry: Decodable, Sendable { let file, name, serial, sign, revoked, reason: String }
    struct PrivateKey: Decodable, Sendable { let file, kind, name, passphrase, secrets: String }
    struct Relay: Decodable, Sendable { let name, sign, serial, issued, fingerprint: String }

    let org: Org
    let staff: [Staff]
    let revocations: [RevocationEntry]
    let privateKeys: [PrivateKey]
    let relays: [Relay]

    static let directory = fixturesDirectory.appendingPathComponent("keys")

    static let shared: ExpectedKeys = {
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(ExpectedKeys.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        } catch {
            fatalError("cannot read the PyNaCl key fixtures: \(error)")
        }
    }()

    static func bytes(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) ?? Data())
    }
}

/// Runs Fixtures/keys_interop.py with Debian's Python (PyNaCl) and returns its exit status and output.
func runInteropScript(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let outcome = try await ChildProcess.run("/usr/bin/python3", [fixturesDirectory.appendingPathComponent("keys_interop.py").path] + arguments,
                                             mergingErrorsIntoOutput: true, timeout: .seconds(120))
    return (outcome.status, outcome.output)
}

@Suite("Interoperability with an independent implementation (PyNaCl)")
struct InteropTests {
    static var expected: ExpectedKeys { .shared }

    @Test("org.pub from Python parses to its key, key id and fingerprint, and is re-encoded byte for byte")
    func organisation() throws {
        let bytes = ExpectedKeys.bytes("Keys/org.pub")
        let org = try OrganisationPublicKey(parsing: bytes)
        #expect(org.name.text == Self.expected.org.name)
        #expect(Base64URL.encode(org.signKey) == Self.expected.org.sign)
        #expect(org.keyID.description == Self.expected.org.keyId)
        #expect(org.fingerprint.description == Self.expected.org.fingerprint)
        #expect(org.fileBytes == bytes)
        #expect(try SigningKeyPair(seed: Hex.decode(Self.expected.org.seed)).publicKey == org.signKey)
    }

    @Test("staff public keys from Python give the same key ids and fingerprints and re-encode byte for byte",
          arguments: ExpectedKeys.shared.staff.map(\.name))
    func staffPublicKey(name: String) throws {
        let entry = try #require(Self.expected.staff.first { $0.name == name })
        let bytes = ExpectedKeys.bytes("\(name).pub")
        let key = try StaffPublicKey(parsing: bytes)
        #expect(key.keyID.description == entry.keyId)
        #expect(key.fingerprint.description == entry.fingerprint)
        #expect(key.fileBytes == bytes)
        #expect(try SigningKeyPair(seed: Hex.decode(entry.signSeed)).publicKey == key.signKey)
        #expect(try BoxKeyPair(secretKey: Hex.decode(entry.boxSecret)).publicKey == key.boxKey)
    }

    @Test("certificates from Python verify, and issuing the same fields in Swift gives the same bytes",
          arguments: ExpectedKeys.shared.staff.map(\.name))
    func certificate(name: String) throws {
        let entry = try #require(Self.expected.staff.first { $0.name == name })
        let org = try OrganisationPublicKey(parsing: ExpectedKeys.bytes("Keys/org.pub"))
        let bytes = ExpectedKeys.bytes("Keys/staff/\(name).cert")
        let certificate = try EnrolmentCertificate(verifying: bytes, organisation: org)
        #expect(certificate.role.rawValue == entry.role)
        #expect(certificate.serial.description == entry.serial)
        #expect(certificate.issued.text == entry.issued)
        #expect(certificate.languages.map(\.tag) == entry.languages)
        let again = EnrolmentCertificate.issue(
            enrolling: try StaffPublicKey(parsing: ExpectedKeys.bytes("\(name).pub")), role: certificate.role,
            issued: certificate.issued, serial: certificate.serial, languages: try entry.languages.map(VisitorLanguage.init),
            organisationKey: try SigningKeyPair(seed: Hex.decode(Self.expected.org.seed)))
        #expect(again.fileBytes == bytes)
    }

    @Test("the revocation from Python verifies, and revoking in Swift gives the same bytes and file name")
    func revocation() throws {
        let entry = try #require(Self.expected.revocations.first)
        let org = try OrganisationPublicKey(parsing: ExpectedKeys.bytes("Keys/org.pub"))
        let bytes = ExpectedKeys.bytes(entry.file)
        let revocation = try Revocation(verifying: bytes, organisation: org)
        #expect("Keys/revoked/" + revocation.fileName == entry.file)
        let certificate = try EnrolmentCertificate(verifying: ExpectedKeys.bytes("Keys/staff/\(entry.name).cert"), organisation: org)
        let again = Revocation.issue(revoking: certificate, revoked: revocation.revoked, reason: try RevocationReason(entry.reason),
                                     organisationKey: try SigningKeyPair(seed: Hex.decode(Self.expected.org.seed)))
        #expect(again.fileBytes == bytes)
    }

    @Test("relay certificates from Python verify, and certifying the same key in Swift gives the same bytes",
          arguments: ExpectedKeys.shared.relays.map(\.name))
    func relayCertificate(name: String) throws {
        let entry = try #require(Self.expected.relays.first { $0.name == name })
        let org = try OrganisationPublicKey(parsing: ExpectedKeys.bytes("Keys/org.pub"))
        let bytes = ExpectedKeys.bytes("Keys/relays/\(name).cert")
        let certificate = try RelayCertificate(verifying: bytes, organisation: org)
        #expect(Base64URL.encode(certificate.signKey) == entry.sign)
        #expect(certificate.serial.description == entry.serial)
        #expect(certificate.fingerprint.description == entry.fingerprint)
        let again = RelayCertificate.issue(name: certificate.name, signKey: certificate.signKey, issued: try KeyTimestamp(parsing: entry.issued),
                                           serial: certificate.serial, organisationKey: try SigningKeyPair(seed: Hex.decode(Self.expected.org.seed)))
        #expect(again.fileBytes == bytes)
    }

    @Test("the keyring from Python loads with the revoked member excluded")
    func keyring() throws {
        let keyring = try Keyring.load(directory: ExpectedKeys.directory.appendingPathComponent("Keys").path)
        let active = Self.expected.staff.filter { !$0.revoked }
        #expect(keyring.active.map(\.name.text) == active.map(\.name).sorted())
        #expect(keyring.activeRelayKeys == Set(try Self.expected.relays.map { try SigningPublicKey(Base64URL.decode($0.sign)) }))
        for entry in Self.expected.staff {
            let signKey = try SigningPublicKey(Base64URL.decode(entry.sign))
            #expect(keyring.isRevoked(signKey) == entry.revoked, "\(entry.name)")
            let keyID = try KeyID(bytes: Hex.decode(entry.keyId))
            #expect(keyring.member(keyID: keyID)?.signKey == (entry.revoked ? nil : signKey), "\(entry.name)")
        }
    }

    @Test("private key files from Python open to the secrets they were made from",
          arguments: ExpectedKeys.shared.privateKeys.map(\.file))
    func privateKey(file: String) throws {
        let entry = try #require(Self.expected.privateKeys.first { $0.file == file })
        let header = try EncryptedPrivateKeyFile(parsing: ExpectedKeys.bytes(file))
        #expect(header.kind.rawValue == entry.kind)
        #expect(header.name == entry.name)
        let secrets = try EncryptedPrivateKeyFile.open(bytes: ExpectedKeys.bytes(file), passphrase: Array(entry.passphrase.utf8))
        #expect(secrets.isEqual(to: try Hex.decode(entry.secrets)))
    }

    @Test("the committed fixtures are exactly what the Python script makes today")
    func fixturesUpToDate() async throws {
        let (status, output) = try await runInteropScript(["check"])
        #expect(status == 0, "\(output)")
    }

    @Test("files written by Swift pass the Python implementation's checks")
    func swiftFilesVerifyInPython() async throws {
        let directory = TemporaryDirectory()
        let org = TestKeys.keyPair(seed: 0x31)
        let orgPublic = OrganisationPublicKey(name: try DeploymentName("swift-made"), signKey: org.publicKey)
        try directory.write(orgPublic.fileBytes, to: "Keys/org.pub")
        var keys: [String: [String: String]] = [orgPublic.name.text: ["key_id": orgPublic.keyID.description,
                                                                     "fingerprint": orgPublic.fingerprint.description]]
        var certificates: [String: EnrolmentCertificate] = [:]
        for (index, (name, role)) in [("dana", StaffRole.worker), ("eli.s", .supervisor), ("fo_x-1", .worker)].enumerated() {
            let seed = UInt8(0x40 + index)
            let staff = StaffPublicKey(name: try StaffName(name), signKey: TestKeys.keyPair(seed: seed).publicKey,
                                       boxKey: TestKeys.boxKeyPair(seed: seed).publicKey)
            try directory.write(staff.fileBytes, to: "\(name).pub")
            // dana's enrolment lists her languages: Python must verify the optional line and sign it the same.
            let languages = name == "dana" ? [try VisitorLanguage("ro"), try VisitorLanguage("pt-BR")] : []
            let certificate = EnrolmentCertificate.issue(enrolling: staff, role: role, issued: try KeyTimestamp.now(),
                                                         languages: languages, organisationKey: org)
            try directory.write(certificate.fileBytes, to: "Keys/staff/" + certificate.fileName)
            certificates[name] = certificate
            keys[name] = ["key_id": staff.keyID.description, "fingerprint": staff.fingerprint.description]
        }
        let revoked = try #require(certificates["fo_x-1"])
        let revocation = Revocation.issue(revoking: revoked, revoked: try KeyTimestamp.now(),
                                          reason: try RevocationReason("phone stolen: keys: rotated"), organisationKey: org)
        try directory.write(revocation.fileBytes, to: "Keys/revoked/" + revocation.fileName)
        let relay = RelayCertificate.issue(name: try StaffName("relay-2"), signKey: TestKeys.keyPair(seed: 0x50).publicKey,
                                           issued: try KeyTimestamp.now(), organisationKey: org)
        try directory.write(relay.fileBytes, to: "Keys/relays/" + relay.fileName)
        keys["relay-2"] = ["key_id": KeyID(relay.signKey).description, "fingerprint": relay.fingerprint.description]

        var staffSecrets = TestKeys.keyPair(seed: 0x40).seed.copyBytes() + TestKeys.boxKeyPair(seed: 0x40).secretKey.copyBytes()
        defer { Sodium.memzero(&staffSecrets) }
        let staffFile = try EncryptedPrivateKeyFile.create(kind: .staff, name: "dana", secrets: SecureBytes(copying: staffSecrets),
                                                           passphrase: Array("dana's passphrase".utf8), limits: .interactive)
        try EncryptedPrivateKeyFile.write(staffFile, to: directory.file("dana.key"))
        let orgFile = try EncryptedPrivateKeyFile.create(kind: .org, name: "swift-made", secrets: org.seed,
                                                         passphrase: Array("the org's passphrase".utf8), limits: .interactive)
        try EncryptedPrivateKeyFile.write(orgFile, to: directory.file("org.key"))

        // The Swift keyring must agree with what Python is told to expect.
        let keyring = try Keyring.load(directory: directory.file("Keys"))
        #expect(keyring.active.map(\.name.text) == ["dana", "eli.s"])

        let manifest: [String: Any] = [
            "org_seed": Hex.encode(org.seed), "active": ["dana", "eli.s"], "revoked": ["fo_x-1"], "relays": ["relay-2"], "keys": keys,
            "private_keys": [["file": "dana.key", "passphrase": "dana's passphrase"],
                             ["file": "org.key", "passphrase": "the org's passphrase"]],
        ]
        try directory.write(Array(try JSONSerialization.data(withJSONObject: manifest)), to: "manifest.json")
        let (status, output) = try await runInteropScript(["verify", directory.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok: org.pub, 3 certificates, 1 relay certificates, 1 revocations, 3 staff public keys, 2 private key files"), "\(output)")
    }
}
