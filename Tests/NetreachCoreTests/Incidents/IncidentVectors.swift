import ChildProcess
import Foundation
import NetreachCore
import Sodium
import Testing

/// The known answers of `Fixtures/incident_vectors.json`, made by `incident_vectors.py` from
/// docs/INCIDENTS.md with Python's hashlib and json. The visitor page's JavaScript is held to the
/// same file (Tests/RelayTests/Fixtures/web_protocol_check.js), so the page and this code
/// normalise, hash and write the texts alike.
struct IncidentVectors: Decodable, Sendable {
    struct Identifier: Decodable, Sendable {
        let kind: String
        let typed: String
        let typedPlatform: String
        let value: String?
        let platform: String?
        let hash: String?
        let why: String?
    }

    struct Typed: Decodable, Sendable {
        let kind: String
        let typed: String
        let platform: String?
    }

    struct Report: Decodable, Sendable {
        struct Input: Decodable, Sendable {
            let date, time, area, setting: String
            let harms: [String]
            let identifiers: [Typed]
            let description, account: String
            let support: Bool
            let consent: Int
            let policeContact: String
        }

        let input: Input
        let text: String
    }

    struct Consent: Decodable, Sendable {
        let incident: String
        let level: Int
        let text: String
    }

    struct Alert: Decodable, Sendable {
        let text: String
        let matches: [Typed]
        let doesNotMatch: [Typed]
    }

    let organisationKey: String
    let feedSalt: String
    let identifiers: [Identifier]
    let nearMisses: [Identifier]
    let refused: [Identifier]
    let alert: Alert
    let report: Report
    let consent: Consent

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func load() throws -> IncidentVectors {
        try JSONDecoder().decode(IncidentVectors.self, from: Data(contentsOf: fixtures.appendingPathComponent("incident_vectors.json")))
    }

    func salt() throws -> [UInt8] {
        PerpetratorIdentifier.feedSalt(organisation: try SigningPublicKey(Base64URL.decode(organisationKey)))
    }

    static func kind(_ name: String) throws -> PerpetratorIdentifier.Kind {
        try IncidentReport.term(name, field: "kind")
    }
}

extension IncidentVectors.Identifier {
    func identifier() throws -> PerpetratorIdentifier {
        try PerpetratorIdentifier(kind: try IncidentVectors.kind(kind), typed, platform: typedPlatform)
    }
}

extension IncidentVectors.Typed {
    func identifier() throws -> PerpetratorIdentifier {
        try PerpetratorIdentifier(kind: try IncidentVectors.kind(kind), typed, platform: platform ?? "")
    }
}

extension IdentifierTests {
    @Test("the known answers: the feed salt of the PyNaCl organisation key")
    func vectorSalt() throws {
        let vectors = try IncidentVectors.load()
        #expect(Base64URL.encode(try vectors.salt()) == vectors.feedSalt)
    }

    @Test("the known answers: each typed identifier has the normal form and the hash hashlib computed")
    func vectorIdentifiers() throws {
        let vectors = try IncidentVectors.load()
        let salt = try vectors.salt()
        for entry in vectors.identifiers + vectors.nearMisses {
            let identifier = try entry.identifier()
            #expect(identifier.value == entry.value, "\(entry.typed)")
            #expect(identifier.platform == entry.platform, "\(entry.typed)")
            #expect(identifier.hash(salt: salt) == entry.hash, "\(entry.typed)")
        }
        let hashes = Set(vectors.identifiers.compactMap(\.hash))
        #expect(vectors.nearMisses.allSatisfy { !hashes.contains($0.hash ?? "") })
    }

    @Test("the known answers: each refused identifier is refused, a digit or letter with a combining mark too")
    func vectorRefused() throws {
        for entry in try IncidentVectors.load().refused {
            #expect(throws: IncidentError.self, "\(entry.typed): \(entry.why ?? "")") { try entry.identifier() }
        }
    }

    @Test("the known answers file is what incident_vectors.py makes")
    func vectorScript() async throws {
        let script = IncidentVectors.fixtures.appendingPathComponent("incident_vectors.py").path
        let outcome = try await ChildProcess.run("/usr/bin/python3", [script, "check"], timeout: .seconds(60))
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
    }
}

extension IncidentTests {
    @Test("the known answers: the report typed into the page's form is written as the committed text, and reads back identically")
    func vectorReport() throws {
        let vector = try IncidentVectors.load().report
        let input = vector.input
        let report = try IncidentReport(
            date: input.date, timeBand: try IncidentReport.term(input.time, field: "time"), area: input.area,
            setting: try IncidentReport.term(input.setting, field: "setting"),
            harms: try input.harms.map { try IncidentReport.term($0, field: "harms") },
            identifiers: try input.identifiers.map { try $0.identifier() }, description: input.description, account: input.account,
            wantsSupport: input.support, consent: try ConsentLevel(level: input.consent), policeContact: input.policeContact)
        #expect(Array(report.text.utf8) == Array(vector.text.utf8))
        let read = try IncidentReport(text: vector.text)
        #expect(read == report)
        #expect(Array(read.text.utf8) == Array(vector.text.utf8))
    }

    @Test("the known answers: the visitor's consent change is written as the committed text")
    func vectorConsent() throws {
        let vector = try IncidentVectors.load().consent
        let change = try ConsentChange(incident: try IncidentID(documentText: vector.incident), level: try ConsentLevel(level: vector.level))
        #expect(change.text == vector.text)
        #expect(try ConsentChange(text: vector.text) == change)
    }

    @Test("the known answers: the committed alert reads back identically and matches what the page's checker matches")
    func vectorAlert() throws {
        let vectors = try IncidentVectors.load()
        let alert = try SafetyAlert(text: vectors.alert.text)
        #expect(alert.text == vectors.alert.text)
        let salt = try vectors.salt()
        for entry in vectors.alert.matches {
            #expect(alert.matches(try entry.identifier(), salt: salt), "\(entry.typed)")
        }
        for entry in vectors.alert.doesNotMatch {
            #expect(!alert.matches(try entry.identifier(), salt: salt), "\(entry.typed)")
        }
    }
}
