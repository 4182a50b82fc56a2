import ChildProcess
import Foundation
import NetreachCore
import Sodium
import Testing

@Suite("Incidents: identifiers, their normal forms and the checker's hashes")
struct IdentifierTests {
    @Test("messy phone numbers normalise to one E.164 number", arguments: [
        "07700 900123", "+44 7700-900123", "+44 (0)7700 900123", "0044 7700 900123", "447700900123", " 07700-900-123 ", "(07700) 900123",
    ])
    func phones(_ typed: String) throws {
        #expect(try PerpetratorIdentifier(kind: .phone, typed).value == "+447700900123")
    }

    @Test("plates, emails and handles normalise")
    func others() throws {
        for typed in ["ab12 cde", "AB12CDE", "ab-12-cde", " Ab12 Cde "] {
            #expect(try PerpetratorIdentifier(kind: .plate, typed).value == "AB12CDE")
        }
        #expect(try PerpetratorIdentifier(kind: .email, "  Dave.Smith@Example.COM ").value == "dave.smith@example.com")
        let handle = try PerpetratorIdentifier(kind: .handle, "@BigDave", platform: " AdultWork ")
        #expect(handle.description == "adultwork:bigdave")
        #expect(try PerpetratorIdentifier(parsing: "adultwork:bigdave", kind: .handle) == handle)
    }

    @Test("what cannot be an identifier is refused with the field named", arguments: [
        (PerpetratorIdentifier.Kind.phone, "12345"), (.phone, "not a phone"), (.phone, "+44"), (.phone, "+0044 7700 900123"),
        (.phone, "7700900123"), (.email, "dave"), (.email, "dave@localhost"), (.email, "da ve@example.com"), (.plate, "A"),
        (.plate, "AB12 CDE 999"), (.plate, "AB12#DE"), (.handle, ""), (.handle, "two words"),
    ])
    func refused(_ kind: PerpetratorIdentifier.Kind, _ typed: String) {
        #expect(throws: IncidentError.self) { try PerpetratorIdentifier(kind: kind, typed, platform: kind == .handle ? "x" : "") }
        do {
            _ = try PerpetratorIdentifier(kind: kind, typed, platform: kind == .handle ? "x" : "")
        } catch {
            #expect(error.code == .invalidIdentifier)
            #expect(error.field == kind.rawValue)
        }
    }

    @Test("a handle needs a platform, and only a handle has one")
    func platforms() {
        #expect(throws: IncidentError.self) { try PerpetratorIdentifier(kind: .handle, "bigdave") }
        #expect(throws: IncidentError.self) { try PerpetratorIdentifier(kind: .handle, "bigdave", platform: "adult work") }
        #expect(throws: IncidentError.self) { try PerpetratorIdentifier(kind: .phone, "07700900123", platform: "x") }
    }

    static let salt = PerpetratorIdentifier.feedSalt(organisation: TestKeys.orgPublic.signKey)

    @Test("an alert matches each kind typed any way, and not a near miss")
    func matching() throws {
        let identifiers = [
            try PerpetratorIdentifier(kind: .phone, "+44 7700 900123"),
            try PerpetratorIdentifier(kind: .plate, "AB12CDE"),
            try PerpetratorIdentifier(kind: .email, "dave@example.com"),
            try PerpetratorIdentifier(kind: .handle, "bigdave", platform: "adultwork"),
        ]
        let alert = try SafetyAlert(month: "2026-11", area: "Leeds", harms: [.robbery], summary: "Tall man, white van.",
                                    identifiers: identifiers, salt: Self.salt)
        #expect(!alert.text.contains("7700") && !alert.text.contains("AB12") && !alert.text.contains("dave"))
        for (kind, typed, platform) in [(PerpetratorIdentifier.Kind.phone, "07700 900123", ""), (.phone, "+44 7700-900123", ""),
                                        (.plate, "ab12 cde", ""), (.email, "DAVE@example.com", ""), (.handle, "@BigDave", "AdultWork")] {
            #expect(alert.matches(try PerpetratorIdentifier(kind: kind, typed, platform: platform), salt: Self.salt), "\(typed)")
        }
        for (kind, typed, platform) in [(PerpetratorIdentifier.Kind.phone, "07700 900124", ""), (.plate, "AB12CDF", ""),
                                        (.email, "dave@example.org", ""), (.handle, "bigdave", "onlyfans"), (.handle, "bigdave2", "adultwork")] {
            #expect(!alert.matches(try PerpetratorIdentifier(kind: kind, typed, platform: platform), salt: Self.salt), "\(typed)")
        }
        // Another organisation's feed has another salt: the same number does not match there.
        let otherSalt = PerpetratorIdentifier.feedSalt(organisation: SigningKeyPair.generate().publicKey)
        #expect(!alert.matches(identifiers[0], salt: otherSalt))
    }

    @Test("the identifier hash and the feed salt are what Python's hashlib computes from the document")
    func pythonAgrees() async throws {
        let identifier = try PerpetratorIdentifier(kind: .handle, "bigdave", platform: "adultwork")
        let script = """
        import base64, hashlib, sys
        org = base64.urlsafe_b64decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 4))
        salt = hashlib.sha512(b"netreach/v1/alert-feed-salt\\x00" + org).digest()[:32]
        data = b"netreach/v1/identifier\\x00" + salt + b"handle\\x00adultwork\\x00bigdave"
        print(base64.urlsafe_b64encode(hashlib.sha512(data).digest()[:32]).decode().rstrip("="))
        """
        let outcome = try await ChildProcess.run("/usr/bin/python3", ["-c", script, Base64URL.encode(TestKeys.orgPublic.signKey.bytes)],
                                                 timeout: .seconds(60))
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(outcome.output == identifier.hash(salt: Self.salt) + "\n")
    }
}

@Suite("Incidents: alerts and their signatures")
struct AlertTests {
    static func alert() throws -> SafetyAlert {
        try SafetyAlert(month: "2026-11", area: "Leeds", harms: [.robbery, .threats], summary: "A tall man in a white van.",
                        identifiers: [try PerpetratorIdentifier(kind: .phone, "07700 900123")], salt: IdentifierTests.salt)
    }

    static func event(_ alert: SafetyAlert, by signer: SigningKeyPair, to conversation: ConversationID = .alertFeed,
                      kind: EventKind = .alertPublished) throws -> Event {
        try Event(kind: kind, conversation: conversation, clientTimeMilliseconds: 0, content: alert.content, signer: signer)
    }

    @Test("an alert survives its text, and one signed by an enrolled member verifies")
    func verifies() throws {
        let alert = try Self.alert()
        #expect(try SafetyAlert(text: alert.text) == alert)
        let verified = try VerifiedAlert.verify(try Self.event(alert, by: Cast.alice.signing), position: 7, keyring: Cast.keyring)
        #expect(verified.alert == alert)
        #expect(verified.signer == "alice")
    }

    @Test("a forged alert is refused: unknown signer, revoked signer, outside the feed, or altered bytes")
    func forged() throws {
        let alert = try Self.alert()
        for event in [try Self.event(alert, by: Cast.mallory.signing), try Self.event(alert, by: Cast.carol.signing),
                      try Self.event(alert, by: Cast.alice.signing, to: ConversationID(Random.bytes(count: 16))),
                      try Self.event(alert, by: Cast.alice.signing, kind: .noteAdded)] {
            do {
                _ = try VerifiedAlert.verify(event, position: 1, keyring: Cast.keyring)
                Issue.record("a forged alert verified")
            } catch {
                #expect(error.code == .unverifiedAlert)
            }
        }
        // Altered after signing: the event itself no longer parses.
        var bytes = try Self.event(alert, by: Cast.alice.signing).bytes
        bytes[Event.headerCount + 30] ^= 1
        #expect(throws: ProtocolError.self) { try Event(bytes: bytes) }
    }

    @Test("bad alerts are refused", arguments: [
        #"{"format":"netreach-alert-v1","month":"2026-13","area":"Leeds","harms":"robbery","summary":"","hashes":""}"#,
        #"{"format":"netreach-alert-v1","month":"2026-11","area":"","harms":"robbery","summary":"","hashes":""}"#,
        #"{"format":"netreach-alert-v1","month":"2026-11","area":"Leeds","harms":"","summary":"","hashes":""}"#,
        #"{"format":"netreach-alert-v1","month":"2026-11","area":"Leeds","harms":"robbery","summary":"","hashes":"phone:abc"}"#,
        #"{"format":"netreach-alert-v1","month":"2026-11","area":"Leeds","harms":"robbery","summary":"","hashes":"car:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
        #"{"format":"netreach-alert-v1","month":"2026-11","area":"Leeds","harms":"robbery","summary":"","hashes":"","reporter":"x"}"#,
    ])
    func bad(_ text: String) {
        #expect(throws: IncidentError.self) { try SafetyAlert(text: text) }
    }
}
