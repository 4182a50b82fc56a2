import NetreachCore
import Sodium
import Testing

/// Reports, consent and police sharing, on conversations written with real keys (ConversationFixtures).
@Suite("Incidents: reports, consent and police sharing")
struct IncidentTests {
    static func report(consent: ConsentLevel = .anonymisedAlert, policeContact: String = "") throws -> IncidentReport {
        try IncidentReport(date: "2026-11-20", timeBand: .evening, area: "Leeds city centre", setting: .indoor,
                           harms: [.robbery, .threats],
                           identifiers: [try PerpetratorIdentifier(kind: .phone, "07700 900123"),
                                         try PerpetratorIdentifier(kind: .plate, "ab12 cde"),
                                         try PerpetratorIdentifier(kind: .handle, "bigdave", platform: "adultwork")],
                           description: "Tall, grey hair, drives a white van.", account: "He took the money back and said he knew where I live.",
                           wantsSupport: true, consent: consent, policeContact: policeContact)
    }

    @Test("a report survives its sealed text, field for field")
    func roundTrip() throws {
        let report = try Self.report(consent: .policeFull, policeContact: "text 07700 900999 after 6pm")
        #expect(try IncidentReport(text: report.text) == report)
        #expect(report.text.hasPrefix(#"{"format":"netreach-incident-v1","date":"2026-11-20""#))
        let change = try ConsentChange(incident: try IncidentID(Random.bytes(count: 16)), level: .policeAnonymous, visitorSaidOn: "2026-11-21")
        #expect(try ConsentChange(text: change.text) == change)
        let shared = try IncidentShared(incident: change.incident, recipient: .police, level: .policeAnonymous,
                                        digest: Base64URL.encode(SHA512.hash([1, 2, 3])), note: "West Yorkshire Police, ref 123")
        #expect(try IncidentShared(text: shared.text) == shared)
    }

    @Test("bad reports are refused with the field at fault", arguments: [
        (#"{"format":"netreach-incident-v1"}"#, "account"),  // the first missing field, alphabetically
        ("not json", nil),
        (#"{"format":"netreach-incident-v2","date":"2026-11-20"}"#, "format"),
    ] as [(String, String?)])
    func badText(_ text: String, _ field: String?) {
        do {
            _ = try IncidentReport(text: text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.code == .malformed)
            #expect(error.field == field)
        }
    }

    @Test("each broken rule of a report is its own typed error")
    func rules() throws {
        let good = try Self.report()
        func edited(_ from: String, _ to: String) -> String { good.text.replacingOccurrences(of: from, with: to) }
        let cases: [(String, IncidentError.Code, String?)] = [
            (edited(#""harms":"robbery threats""#, #""harms":"robbery punching""#), .unknownValue, "harms"),
            (edited(#""harms":"robbery threats""#, #""harms":"""#), .missingValue, "harms"),
            (edited(#""harms":"robbery threats""#, #""harms":"robbery robbery""#), .malformed, "harms"),
            (edited(#""date":"2026-11-20""#, #""date":"2026-02-30""#), .malformed, "date"),
            (edited(#""date":"2026-11-20""#, #""date":"2026-+1-20""#), .malformed, "date"),  // Int("+1") is 1
            (edited(#""time":"evening""#, #""time":"teatime""#), .unknownValue, "time"),
            (edited(#""setting":"indoor""#, #""setting":"car""#), .unknownValue, "setting"),
            (edited(#""area":"Leeds city centre""#, #""area":"  ""#), .missingValue, "area"),
            (edited(#""consent":2"#, #""consent":5"#), .unknownValue, "consent"),
            (edited(#""policeContact":"""#, #""policeContact":"call me""#), .inconsistent, "policeContact"),
            (edited(#""phones":"+447700900123""#, #""phones":"12345""#), .invalidIdentifier, "phone"),
            (edited(#""support":true"#, #""support":"yes""#), .malformed, "support"),
            (edited(#""support":true"#, #""support":true,"reporterName":"x""#), .malformed, "reporterName"),
            (edited(#""support":true"#, #""support":true,"support":false"#), .malformed, nil),
            (edited(#""description":"Tall"#, #""description":"\u0007Tall"#), .malformed, "description"),
        ]
        for (text, code, field) in cases {
            do {
                _ = try IncidentReport(text: text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.code == code, "\(text): \(error)")
                if let field { #expect(error.field == field, "\(text): \(error)") }
            }
        }
        #expect(throws: IncidentError.self) {
            try IncidentReport(date: "2026-11-20", timeBand: .night, area: "Leeds", setting: .outdoor, harms: [.other], identifiers: [],
                               description: String(repeating: "x", count: IncidentReport.maximumDescriptionCount + 1), account: "",
                               wantsSupport: false, consent: .listenOnly)
        }
    }

    /// A conversation in which the visitor reports, and consent moves 1 → 4 → 2.
    struct Story {
        var script: Script
        let log = TestLog()
        let id: IncidentID

        init(consent: ConsentLevel) throws {
            script = try Script(log: log, wrappedTo: [Cast.alice, Cast.bob])
            let reported = try script.append(.incidentReported, SealedText.seal(try IncidentTests.report(consent: consent).text,
                                                                                key: script.conversationKey), by: script.visitor)
            id = IncidentID(reportedBy: reported.event)
        }

        func visitorConsents(_ level: ConsentLevel) throws {
            try script.append(.consentChanged, SealedText.seal(try ConsentChange(incident: id, level: level).text, key: script.conversationKey),
                              by: script.visitor)
        }

        func workerRecords(_ level: ConsentLevel, saidOn: String, by member: Member = Cast.alice) throws {
            try script.append(.consentChanged, SealedText.seal(try ConsentChange(incident: id, level: level, visitorSaidOn: saidOn).text,
                                                               key: script.conversationKey), by: member.signing)
        }

        func record(as member: Member = Cast.alice) throws -> IncidentRecord {
            let keys = ConversationKeys.resolve(events: script.events, me: member.secrets, keyring: Cast.keyring)
            let reading = Incidents.read(events: script.events, keys: keys)
            #expect(reading.problems.isEmpty, "\(reading.problems)")
            return try #require(reading.records.first)
        }

        func export() throws -> PoliceExport {
            try PoliceExport(record: try record(), organisation: "Test Project", sharedBy: "alice", sharedOn: "2026-11-22T10:00:00Z")
        }
    }

    @Test("consent 1 → 4 → 2: the export is refused, then allowed with full details, then refused again")
    func consentTransitions() throws {
        let story = try Story(consent: .listenOnly)
        #expect(try story.record().consent == .listenOnly)
        #expect(throws: IncidentError.self) { try story.export() }

        try story.visitorConsents(.policeFull)
        #expect(try story.record().consent == .policeFull)
        let full = try story.export()
        #expect(full.level == .policeFull)
        #expect(full.text.contains("He took the money back"), "level 4 carries the account")
        #expect(full.text.contains("+447700900123") && full.text.contains("AB12CDE") && full.text.contains("adultwork:bigdave"))

        try story.workerRecords(.anonymisedAlert, saidOn: "2026-11-22")
        let record = try story.record()
        #expect(record.consent == .anonymisedAlert)
        #expect(record.consentWasLowered)
        #expect(record.consentHistory.map(\.level) == [.listenOnly, .policeFull, .anonymisedAlert])
        #expect(record.consentHistory.last?.visitorSaidOn == "2026-11-22")
        #expect(record.consentHistory.last?.byVisitor == false)
        do {
            _ = try story.export()
            Issue.record("an export was made after consent was lowered to 2")
        } catch let error as IncidentError {
            #expect(error.code == .consentTooLow)
        }
    }

    @Test("at level 3 the package holds nothing of the reporter: no account, no contact")
    func anonymousPackage() throws {
        let story = try Story(consent: .anonymisedAlert)
        try story.visitorConsents(.policeAnonymous)
        let package = try story.export()
        #expect(package.level == .policeAnonymous)
        #expect(!package.text.contains("He took the money back"))
        #expect(!package.text.contains(story.script.conversation.base64URL))
        #expect(package.text.contains("+447700900123") && package.text.contains("Tall, grey hair"))
        #expect(package.text.contains("anonymously"))
        #expect((try? Base64URL.decode(package.digest))?.count == 64)
    }

    @Test("no consent level below 3 ever gives an export", arguments: [ConsentLevel.listenOnly, .anonymisedAlert])
    func neverBelowThree(_ level: ConsentLevel) throws {
        let story = try Story(consent: level)
        #expect(throws: IncidentError.self) { try story.export() }
    }

    @Test("a worker's change without the day the visitor said so, or a visitor's with one, is left out and named")
    func consentAuthority() throws {
        let story = try Story(consent: .anonymisedAlert)
        // A worker writes a change as if the visitor had signed it: no day named.
        try story.script.append(.consentChanged, SealedText.seal(try ConsentChange(incident: story.id, level: .policeFull).text,
                                                                 key: story.script.conversationKey), by: Cast.alice.signing)
        try story.script.append(.consentChanged,
                                SealedText.seal(try ConsentChange(incident: story.id, level: .policeFull, visitorSaidOn: "2026-11-21").text,
                                                key: story.script.conversationKey), by: story.script.visitor)
        let keys = ConversationKeys.resolve(events: story.script.events, me: Cast.alice.secrets, keyring: Cast.keyring)
        let reading = Incidents.read(events: story.script.events, keys: keys)
        #expect(reading.records.first?.consent == .anonymisedAlert)
        #expect(reading.problems.count == 2)
    }

    @Test("sharing records attach to their incident, and mark it shared")
    func sharings() throws {
        var story = try Story(consent: .policeAnonymous)
        try story.script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
        let package = try story.export()
        let shared = try IncidentShared(incident: story.id, recipient: .police, level: package.level, digest: package.digest, note: "ref 1")
        try story.script.append(.incidentShared, SealedText.seal(shared.text, key: try #require(story.script.staffKey)), by: Cast.alice.signing)
        let record = try story.record(as: Cast.bob)
        #expect(record.sharedWithPolice)
        #expect(record.status == "shared-with-police")
        #expect(record.sharings.first?.record == shared)
    }
}
