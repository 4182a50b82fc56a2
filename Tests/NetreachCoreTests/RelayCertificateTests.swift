import NetreachCore
import Sodium
import Testing

/// A deployment with several relays certifies each relay's key (docs/KEYS.md, "Relay certificate").
@Suite("Relay certificates")
struct RelayCertificateTests {
    static let relayA = RelayCertificate.issue(name: try! StaffName("relay-a"), signKey: TestKeys.keyPair(seed: 40).publicKey,
                                               issued: TestKeys.issued, serial: try! EnrolmentSerial(bytes: Array(40..<56)),
                                               organisationKey: TestKeys.organisation)
    static let relayB = RelayCertificate.issue(name: try! StaffName("relay-b"), signKey: TestKeys.keyPair(seed: 41).publicKey,
                                               issued: TestKeys.issued, organisationKey: TestKeys.organisation)
    static let alice = TestKeys.certificate("alice", seed: 3)

    static func file(_ folder: String, _ bytes: [UInt8], _ index: Int = 0) -> KeyFile { KeyFile(label: "\(folder)[\(index)]", bytes: bytes) }

    @Test("an issued certificate verifies and reads back to the same values and bytes; its six lines are signed over all before the signature")
    func roundTrip() throws {
        let read = try RelayCertificate(verifying: Self.relayA.fileBytes, organisation: TestKeys.orgPublic)
        #expect(read == Self.relayA)
        #expect(read.fileName == "relay-a.cert")
        let text = String(decoding: Self.relayA.fileBytes, as: UTF8.self)
        #expect(text.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
                == ["netreach-relay-certificate-v1", "name", "sign", "issued", "serial", "signature"])
        let body = text.components(separatedBy: "signature: ")[0]
        #expect(TestKeys.organisation.publicKey.isValidSignature(Self.relayA.signature,
                                                                 for: Array("netreach/v1/relay-certificate".utf8) + [0] + Array(body.utf8)))
    }

    @Test("a certificate signed by another organisation, altered, or an enrolment signed as one, is refused")
    func refused() {
        let other = RelayCertificate.issue(name: try! StaffName("relay-a"), signKey: TestKeys.keyPair(seed: 40).publicKey,
                                           issued: TestKeys.issued, organisationKey: TestKeys.otherOrganisation)
        #expect(throws: KeyError.self) { try RelayCertificate(verifying: other.fileBytes, organisation: TestKeys.orgPublic) }
        var altered = Self.relayA.fileBytes
        altered[altered.firstIndex(of: UInt8(ascii: "a"))!] = UInt8(ascii: "b")
        #expect(throws: KeyError.self) { try RelayCertificate(verifying: altered, organisation: TestKeys.orgPublic) }
        // A staff enrolment is not a relay certificate, even though the organisation signed it.
        #expect(throws: KeyError.self) { try RelayCertificate(verifying: Self.alice.fileBytes, organisation: TestKeys.orgPublic) }
    }

    @Test("a keyring with relays: their keys are the active relay keys; a revoked relay is kept out")
    func keyring() throws {
        let keyring = try Keyring(organisation: TestKeys.orgPublic, certificates: [Self.file("staff", Self.alice.fileBytes)], revocations: [],
                                  relays: [Self.file("relays", Self.relayA.fileBytes), Self.file("relays", Self.relayB.fileBytes, 1)])
        #expect(keyring.relays.map(\.name.text) == ["relay-a", "relay-b"])
        #expect(keyring.activeRelayKeys == [Self.relayA.signKey, Self.relayB.signKey])
        #expect(keyring.member(signKey: Self.relayA.signKey) == nil, "a relay is not a staff member")
        let revocation = Revocation.issue(revoking: Self.relayB, revoked: TestKeys.timestamp("2026-03-02T17:05:41Z"),
                                          reason: try RevocationReason("machine retired"), organisationKey: TestKeys.organisation)
        let revoked = try Keyring(organisation: TestKeys.orgPublic, certificates: [], revocations: [Self.file("revoked", revocation.fileBytes)],
                                  relays: [Self.file("relays", Self.relayA.fileBytes), Self.file("relays", Self.relayB.fileBytes, 1)])
        #expect(revoked.activeRelayKeys == [Self.relayA.signKey])
        #expect(revoked.isRevoked(Self.relayB.signKey))
        #expect(revoked.relays.count == 2, "a revoked relay's certificate stays: its old checkpoints are still checked")
    }

    @Test("a keyring is refused whole when a relay reuses a name, a key (its own, a staff member's, the organisation's) or a serial, or a revocation mixes two relays")
    func keyringRefusals() {
        let again = RelayCertificate.issue(name: try! StaffName("relay-a"), signKey: TestKeys.keyPair(seed: 42).publicKey,
                                           issued: TestKeys.issued, organisationKey: TestKeys.organisation)
        let sameKey = RelayCertificate.issue(name: try! StaffName("relay-c"), signKey: Self.relayA.signKey, issued: TestKeys.issued,
                                             organisationKey: TestKeys.organisation)
        let staffKey = RelayCertificate.issue(name: try! StaffName("relay-c"), signKey: Self.alice.signKey, issued: TestKeys.issued,
                                              organisationKey: TestKeys.organisation)
        let orgKey = RelayCertificate.issue(name: try! StaffName("relay-c"), signKey: TestKeys.organisation.publicKey, issued: TestKeys.issued,
                                            organisationKey: TestKeys.organisation)
        let sameSerial = RelayCertificate.issue(name: try! StaffName("relay-c"), signKey: TestKeys.keyPair(seed: 43).publicKey,
                                                issued: TestKeys.issued, serial: Self.relayA.serial, organisationKey: TestKeys.organisation)
        for (second, why) in [(again, "same name"), (sameKey, "same key"), (staffKey, "same key"), (orgKey, "organisation's own key"),
                              (sameSerial, "same serial")] {
            let error = #expect(throws: KeyError.self) {
                try Keyring(organisation: TestKeys.orgPublic, certificates: [Self.file("staff", Self.alice.fileBytes)], revocations: [],
                            relays: [Self.file("relays", Self.relayA.fileBytes), Self.file("relays", second.fileBytes, 1)])
            }
            #expect(error?.message.contains(why) == true, "\(String(describing: error))")
        }
        // A revocation naming relay-a's serial with relay-b's key.
        let mixed = Revocation.issue(revoking: RelayCertificate.issue(name: try! StaffName("relay-a"), signKey: Self.relayB.signKey,
                                                                      issued: TestKeys.issued, serial: Self.relayA.serial,
                                                                      organisationKey: TestKeys.organisation),
                                     revoked: TestKeys.issued, reason: try! RevocationReason("mixed"), organisationKey: TestKeys.organisation)
        let error = #expect(throws: KeyError.self) {
            try Keyring(organisation: TestKeys.orgPublic, certificates: [], revocations: [Self.file("revoked", mixed.fileBytes)],
                        relays: [Self.file("relays", Self.relayA.fileBytes), Self.file("relays", Self.relayB.fileBytes, 1)])
        }
        #expect(error?.code == .revocationMismatch)
    }
}
