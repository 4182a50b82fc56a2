import Foundation
import NetreachCore
import Sodium
import Testing

@Suite("Keyrings")
struct KeyringTests {
    /// A keyring folder: org.pub, the certificates under their own names, and the revocations.
    static func folder(certificates: [EnrolmentCertificate], revocations: [Revocation] = []) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try directory.write(TestKeys.orgPublic.fileBytes, to: "org.pub")
        for certificate in certificates { try directory.write(certificate.fileBytes, to: "staff/" + certificate.fileName) }
        for revocation in revocations { try directory.write(revocation.fileBytes, to: "revoked/" + revocation.fileName) }
        return directory
    }

    static let alice = TestKeys.certificate("alice", seed: 3)
    static let bob = TestKeys.certificate("bob", seed: 4, role: .supervisor)
    static let carol = TestKeys.certificate("carol", seed: 5)

    @Test("a keyring loads its organisation key, its staff and their lookups")
    func loads() throws {
        let directory = try Self.folder(certificates: [Self.bob, Self.alice])
        let keyring = try Keyring.load(directory: directory.path)
        #expect(keyring.organisation == TestKeys.orgPublic)
        #expect(keyring.active.map(\.name.text) == ["alice", "bob"])
        let bob = try #require(keyring.member(signKey: Self.bob.signKey))
        #expect(bob.role == .supervisor)
        #expect(bob.boxKey == Self.bob.boxKey)
        #expect(bob.serial == Self.bob.serial)
        #expect(bob.keyID == KeyID(Self.bob.signKey))
        #expect(keyring.member(keyID: KeyID(Self.alice.signKey))?.name.text == "alice")
        #expect(keyring.member(signKey: TestKeys.keyPair(seed: 99).publicKey) == nil)
        #expect(!keyring.isRevoked(Self.alice.signKey))
    }

    @Test("a revoked key is kept out of the active set but remembered as revoked")
    func revokedExcluded() throws {
        let directory = try Self.folder(certificates: [Self.alice, Self.carol], revocations: [TestKeys.revocation(of: Self.carol)])
        let keyring = try Keyring.load(directory: directory.path)
        #expect(keyring.active.map(\.name.text) == ["alice"])
        #expect(keyring.isRevoked(Self.carol.signKey))
        #expect(keyring.member(signKey: Self.carol.signKey) == nil)
        #expect(keyring.member(keyID: KeyID(Self.carol.signKey)) == nil)
        #expect(keyring.certificates.count == 2)
        #expect(keyring.revocations.count == 1)
    }

    @Test("a revocation whose certificate was removed still revokes the key")
    func revocationWithoutCertificate() throws {
        let directory = try Self.folder(certificates: [Self.alice], revocations: [TestKeys.revocation(of: Self.carol)])
        let keyring = try Keyring.load(directory: directory.path)
        #expect(keyring.isRevoked(Self.carol.signKey))
        #expect(keyring.active.map(\.name.text) == ["alice"])
    }

    @Test("missing staff/ and revoked/ folders are an empty keyring")
    func emptyFolders() throws {
        let directory = try Self.folder(certificates: [])
        let keyring = try Keyring.load(directory: directory.path)
        #expect(keyring.active.isEmpty)
        #expect(keyring.revocations.isEmpty)
    }

    /// Loads the folder and returns the refusal.
    static func refusal(_ directory: TemporaryDirectory) -> KeyError? {
        #expect(throws: KeyError.self) { try Keyring.load(directory: directory.path) }
    }

    @Test("a certificate under another file name refuses the whole keyring")
    func fileNameMismatch() throws {
        let directory = try Self.folder(certificates: [Self.bob])
        try directory.write(Self.alice.fileBytes, to: "staff/mallory.cert")
        let error = Self.refusal(directory)
        #expect(error?.code == .fileNameMismatch)
        #expect(error?.file == directory.file("staff/mallory.cert"))
    }

    @Test("a revocation under another file name refuses the whole keyring")
    func revocationFileNameMismatch() throws {
        let directory = try Self.folder(certificates: [Self.carol])
        try directory.write(TestKeys.revocation(of: Self.carol).fileBytes, to: "revoked/carol.rev")
        let error = Self.refusal(directory)
        #expect(error?.code == .fileNameMismatch)
        #expect(error?.file == directory.file("revoked/carol.rev"))
    }

    @Test("two certificates with the same signing key refuse the keyring")
    func duplicateSignKey() throws {
        let twin = EnrolmentCertificate.issue(
            enrolling: StaffPublicKey(name: try StaffName("twin"), signKey: Self.alice.signKey, boxKey: TestKeys.boxKeyPair(seed: 9).publicKey),
            role: .worker, issued: TestKeys.issued, organisationKey: TestKeys.organisation)
        let error = Self.refusal(try Self.folder(certificates: [Self.alice, twin]))
        #expect(error?.code == .duplicate)
        #expect(error?.file?.hasSuffix("staff/twin.cert") == true)
        #expect(error?.message.contains("signing key") == true)
    }

    @Test("two certificates with the same box key refuse the keyring")
    func duplicateBoxKey() throws {
        let twin = EnrolmentCertificate.issue(
            enrolling: StaffPublicKey(name: try StaffName("twin"), signKey: TestKeys.keyPair(seed: 9).publicKey, boxKey: Self.alice.boxKey),
            role: .worker, issued: TestKeys.issued, organisationKey: TestKeys.organisation)
        let error = Self.refusal(try Self.folder(certificates: [Self.alice, twin]))
        #expect(error?.code == .duplicate)
        #expect(error?.message.contains("box key") == true)
    }

    @Test("two certificates with the same name refuse the keyring (text without file names)")
    func duplicateName() {
        let again = TestKeys.certificate("alice", seed: 7)
        let error = #expect(throws: KeyError.self) {
            try Keyring(organisation: TestKeys.orgPublic,
                        certificates: [KeyFile(label: "staff[0]", bytes: Self.alice.fileBytes),
                                       KeyFile(label: "staff[1]", bytes: again.fileBytes)], revocations: [])
        }
        #expect(error?.code == .duplicate)
        #expect(error?.file == "staff[1]")
    }

    @Test("text without a file name is not checked against one")
    func labelsSkipFileNames() throws {
        let keyring = try Keyring(organisation: TestKeys.orgPublic,
                                  certificates: [KeyFile(label: "staff[0]", bytes: Self.alice.fileBytes)],
                                  revocations: [KeyFile(label: "revoked[0]", bytes: TestKeys.revocation(of: Self.carol).fileBytes)])
        #expect(keyring.active.count == 1)
        #expect(keyring.isRevoked(Self.carol.signKey))
    }

    @Test("a certificate that enrols the organisation's own key refuses the keyring")
    func organisationKeyEnrolled() throws {
        let org = EnrolmentCertificate.issue(
            enrolling: StaffPublicKey(name: try StaffName("root"), signKey: TestKeys.organisation.publicKey,
                                      boxKey: TestKeys.boxKeyPair(seed: 9).publicKey),
            role: .supervisor, issued: TestKeys.issued, organisationKey: TestKeys.organisation)
        #expect(Self.refusal(try Self.folder(certificates: [org]))?.code == .duplicate)
    }

    @Test("one certificate signed by another organisation refuses the whole keyring, naming it")
    func foreignCertificate() throws {
        let foreign = TestKeys.certificate("mallory", seed: 8, by: TestKeys.otherOrganisation)
        let error = Self.refusal(try Self.folder(certificates: [Self.alice, foreign, Self.bob]))
        #expect(error?.code == .badSignature)
        #expect(error?.file?.hasSuffix("staff/mallory.cert") == true)
        #expect(error?.line == 8)
    }

    @Test("a revocation signed by another organisation refuses the whole keyring")
    func foreignRevocation() throws {
        let error = Self.refusal(try Self.folder(certificates: [Self.alice, Self.carol],
                                                 revocations: [TestKeys.revocation(of: Self.carol, by: TestKeys.otherOrganisation)]))
        #expect(error?.code == .badSignature)
        #expect(error?.file?.contains("revoked/carol-") == true)
    }

    @Test("a revocation naming a key with another serial than its enrolment refuses the keyring")
    func revocationSerialMismatch() throws {
        let earlier = TestKeys.certificate("carol", seed: 5)
        let error = Self.refusal(try Self.folder(certificates: [Self.carol], revocations: [TestKeys.revocation(of: earlier)]))
        #expect(error?.code == .revocationMismatch)
    }

    @Test("a revocation naming a serial of an enrolment with another key refuses the keyring")
    func revocationKeyMismatch() throws {
        let sameSerial = TestKeys.certificate("carol", seed: 6, serial: Self.carol.serial)
        let error = Self.refusal(try Self.folder(certificates: [Self.carol], revocations: [TestKeys.revocation(of: sameSerial)]))
        #expect(error?.code == .revocationMismatch)
    }
}
