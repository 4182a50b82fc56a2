import NetreachCore
import Sodium
import Testing

/// The retention documents read strictly (docs/PRIVACY.md, docs/PROTOCOL.md kinds 13–16): each good
/// one round-trips, each bad one is refused with a typed error; and the read models after an erasure.
@Suite("Retention: policy, erasure request and record, sealed figures")
struct RetentionFormatTests {
    @Test("a policy round-trips; out-of-range days, reports kept shorter than messages and odd documents are refused")
    func policy() throws {
        let policy = try RetentionPolicy(messagesDays: 180, incidentsDays: 730, alertsDays: 365)
        #expect(try RetentionPolicy(content: policy.content) == policy)
        #expect(RetentionPolicy.standard == policy)
        for (messages, incidents, alerts) in [(0, 730, 365), (180, 3_651, 365), (180, 730, 0), (365, 180, 30)] {
            #expect(throws: RetentionError.self) { try RetentionPolicy(messagesDays: messages, incidentsDays: incidents, alertsDays: alerts) }
        }
        let texts = [
            "{}", "not json", #"{"format":"netreach-retention-v1","messagesDays":180,"incidentsDays":730}"#,
            #"{"format":"netreach-retention-v1","messagesDays":180,"incidentsDays":730,"alertsDays":365,"auditDays":1}"#,
            #"{"format":"netreach-retention-v1","messagesDays":true,"incidentsDays":730,"alertsDays":365}"#,
            #"{"format":"netreach-retention-v2","messagesDays":180,"incidentsDays":730,"alertsDays":365}"#,
            #"{"format":"netreach-retention-v1","messagesDays":"180","incidentsDays":730,"alertsDays":365}"#,
        ]
        for text in texts {
            do {
                _ = try RetentionPolicy(text: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == .malformed || error.code == .outOfRange, "\(text): \(error)")
            }
        }
        #expect(throws: RetentionError.self) { try RetentionPolicy(content: [0xff, 0xfe]) }
        #expect(throws: RetentionError.self) { try RetentionPolicy(content: Array(repeating: 0x20, count: 2_000)) }
    }

    @Test("a policy may set the staff keys' period: written only when set, 1 to 366 days, read back; a month when absent")
    func keyPeriod() throws {
        let weekly = try RetentionPolicy(messagesDays: 90, incidentsDays: 365, alertsDays: 60, keyPeriodDays: 7)
        #expect(weekly.text == #"{"format":"netreach-retention-v1","messagesDays":90,"incidentsDays":365,"alertsDays":60,"keyPeriodDays":7}"#)
        #expect(try RetentionPolicy(content: weekly.content) == weekly)
        #expect(try RetentionPolicy(text: RetentionPolicy.standard.text).keyPeriodDays == nil)
        #expect(!RetentionPolicy.standard.text.contains("keyPeriodDays"))
        #expect(weekly != (try RetentionPolicy(messagesDays: 90, incidentsDays: 365, alertsDays: 60)))
        for days in [0, 367, -1] {
            #expect(throws: RetentionError.self) { try RetentionPolicy(messagesDays: 90, incidentsDays: 365, alertsDays: 60, keyPeriodDays: days) }
        }
        for bad in [#""7""#, "true", "0", "400", "null"] {
            let text = #"{"format":"netreach-retention-v1","messagesDays":90,"incidentsDays":365,"alertsDays":60,"keyPeriodDays":"# + bad + "}"
            #expect(throws: RetentionError.self, "\(bad)") { try RetentionPolicy(text: text) }
        }
        // Periods: a calendar month when absent; else slices of days from 1970-01-01 UTC.
        let january15 = UInt64(20_468) * 86_400_000 + 43_200_000  // 2026-01-15T12:00Z
        #expect(PeriodKey.period(containing: january15, days: nil) == PeriodKey.month(containing: january15))
        let week = PeriodKey.period(containing: january15, days: 7)
        #expect(week.start <= january15 && january15 < week.end && week.end - week.start == 7 * 86_400_000 && week.start % (7 * 86_400_000) == 0)
        #expect(PeriodKey.period(containing: week.end, days: 7).start == week.end)
    }

    @Test("an erasure request names one known reason and nothing else")
    func request() throws {
        for reason in ErasureRequest.Reason.allCases {
            #expect(try ErasureRequest(content: ErasureRequest(reason: reason).content).reason == reason)
        }
        let withdrawal = ErasureRequest(reason: .safeguarding, alert: 18_446_744_073_709_551_615)
        #expect(try ErasureRequest(content: withdrawal.content) == withdrawal)
        let badAlerts = ["\"01\"", "5", "\"-1\"", "\"\"", "\"18446744073709551616\"", "\"1e3\""]
        for alert in badAlerts {
            let text = "{\"format\":\"netreach-erasure-request-v1\",\"reason\":\"safeguarding\",\"alert\":" + alert + "}"
            #expect(throws: RetentionError.self, "\(text)") { try ErasureRequest(content: Array(text.utf8)) }
        }
        for text in [#"{"format":"netreach-erasure-request-v1","reason":"because"}"#, #"{"format":"netreach-erasure-request-v1"}"#,
                     #"{"format":"netreach-erasure-request-v1","reason":"safeguarding","conversation":"x"}"#, "[]"] {
            #expect(throws: RetentionError.self, "\(text)") { try ErasureRequest(content: Array(text.utf8)) }
        }
    }

    @Test("an erasure record round-trips at its largest; a wrong version, rule, kind, flag, count or length is refused")
    func record() throws {
        let author = KeyID(SigningKeyPair.generate().publicKey)
        let entries = (0..<ContentErased.maximumEntries).map {
            ContentErased.Entry(position: UInt64($0), kind: .messagePosted, timeMilliseconds: UInt64($0) * 60_000, author: author, byVisitor: $0 % 3 == 0)
        }
        let record = try ContentErased(rule: .retentionMessages, reference: Random.bytes(count: 16), days: 180, entries: entries)
        #expect(record.content.count <= Event.maximumContentCount)
        #expect(try ContentErased(content: record.content) == record)
        #expect(throws: RetentionError.self) {
            try ContentErased(rule: .retentionMessages, reference: Random.bytes(count: 16), days: 180, entries: entries + [entries[0]])
        }
        #expect(throws: RetentionError.self) { try ContentErased(rule: .visitorRequest, reference: [1], days: 0, entries: [entries[0]]) }
        #expect(throws: RetentionError.self) { try ContentErased(rule: .visitorRequest, reference: Random.bytes(count: 16), days: 0, entries: []) }

        let small = try ContentErased(rule: .visitorRequest, reference: Random.bytes(count: 16), days: 0, entries: Array(entries.prefix(2)))
        let good = small.content
        func changed(_ offset: Int, to value: UInt8) -> [UInt8] { var bytes = good; bytes[offset] = value; return bytes }
        let bad: [(String, [UInt8])] = [
            ("version 2", changed(0, to: 2)), ("rule 9", changed(1, to: 9)), ("count 3 for 2 entries", changed(20, to: 3)),
            ("count 0", changed(20, to: 0)), ("kind 99", changed(22 + 8, to: 99)), ("flags 2", changed(22 + 33, to: 2)),
            ("cut short", Array(good.dropLast())), ("a byte too many", good + [0]), ("empty", []),
        ]
        for (what, bytes) in bad {
            #expect(throws: RetentionError.self, "\(what)") { try ContentErased(content: bytes) }
        }
        // The id is a hash of what the record lists: the same list in the same conversation, the same id.
        let conversation = try ConversationID(Random.bytes(count: 16))
        #expect(ContentErased.eventID(conversation: conversation, content: good) == ContentErased.eventID(conversation: conversation, content: good))
        #expect(ContentErased.eventID(conversation: conversation, content: good) != ContentErased.eventID(conversation: conversation, content: record.content))
    }

    @Test("sealed figures open only for the supervisors they were sealed for, and say the same report as the figures they keep")
    func sealedFigures() throws {
        let log = TestLog()
        var script = try Script(log: log, wrappedTo: [Cast.alice, Cast.dave])
        try script.visitorSays("hi")
        _ = try script.says(Cast.alice, "hello")
        try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.dave])
        _ = try script.close(by: Cast.alice, try WrapUp(topics: [.housing], referrals: [], outcome: .supportGiven, contact: .new))
        let quarter = try #require(Quarter(containing: log.time))
        let keys: (ConversationID, [StoredEvent]) -> ConversationKeys = { _, events in
            ConversationKeys.resolve(events: events, me: Cast.dave.secrets, keyring: Cast.keyring)
        }
        let figures = QuarterlyFigures.build(quarter: quarter, events: log.events, keys: keys)
        #expect(figures.contacts == 1)
        let sealed = try SealedFigures(figures: figures, supervisors: [(Cast.dave.keyID, Cast.dave.box.publicKey)], from: Cast.dave.box)
        let read = try SealedFigures(content: sealed.content)
        let opened = try read.open(as: Cast.dave.secrets, sender: Cast.dave.box.publicKey)
        #expect(opened.sealedText == figures.sealedText)
        let report = { (figures: QuarterlyFigures) in
            QuarterlyReport(organisation: "test", current: figures, previous: nil, monthlyTarget: nil, threshold: 0, madeMilliseconds: 0).csv
        }
        #expect(report(opened) == report(figures), "the sealed figures make another report")
        do {
            _ = try read.open(as: Cast.alice.secrets, sender: Cast.dave.box.publicKey)
            Issue.record("a worker opened the sealed figures")
        } catch {
            #expect(error.code == .unreadable)
        }
        var tampered = sealed.content
        tampered[tampered.count - 1] ^= 1
        #expect(throws: RetentionError.self) { try SealedFigures(content: tampered).open(as: Cast.dave.secrets, sender: Cast.dave.box.publicKey) }
        #expect(throws: RetentionError.self) { try SealedFigures(content: Array("2026Q5".utf8) + sealed.content.dropFirst(6)) }
        #expect(throws: RetentionError.self) { try SealedFigures(figures: figures, supervisors: [], from: Cast.dave.box) }
    }

    @Test("any list of times keeps, sealed, the count, median and 90th percentile the report shows")
    func sealedTimes() throws {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 2, 3, 9, 10, 11, 57, 1_000] {
            let times = (0..<count).map { _ in UInt64.random(in: 0...100_000, using: &generator) }.sorted()
            let text = #"{"format":"netreach-figures-v1","quarter":"2026Q1","contactsByMonth":"0 0 0","openedByMonth":"0 0 0","openedOffDuty":"","#
                + #""firstReplySeconds":"\#(count) \#(QuarterlyFigures.percentile(times, 0.5)!) \#(QuarterlyFigures.percentile(times, 0.9)!)","#
                + #""waitingSeconds":"","topics":"","referrals":"","ages":"","genders":"","workSettings":"","contactsByLanguage":"","#
                + #""incidentsByHarm":"","incidentsByConsent":"","helpful":"","safer":"","helpedMost":"","newContacts":0,"repeatContacts":0,"#
                + #""uniqueVisitors":0,"contactsLanguageNotKnown":0,"incidents":0,"consentChanges":0,"policeShares":0,"alertsPublished":0,"#
                + #""feedbackGiven":0,"unreadable":0}"#
            let figures = try QuarterlyFigures(sealedText: text)
            #expect(figures.firstReplySeconds.count == count)
            #expect(QuarterlyFigures.percentile(figures.firstReplySeconds, 0.5) == QuarterlyFigures.percentile(times, 0.5))
            #expect(QuarterlyFigures.percentile(figures.firstReplySeconds, 0.9) == QuarterlyFigures.percentile(times, 0.9))
            #expect(figures.sealedText == text)
        }
        let bad = #"{"format":"netreach-figures-v1","quarter":"2026Q1","contactsByMonth":"0 0","openedByMonth":"0 0 0","openedOffDuty":"","#
            + #""firstReplySeconds":"","waitingSeconds":"","topics":"housing=1 housing=2","referrals":"","ages":"","genders":"","#
            + #""workSettings":"","contactsByLanguage":"","incidentsByHarm":"","incidentsByConsent":"","helpful":"","safer":"","#
            + #""helpedMost":"","newContacts":0,"repeatContacts":0,"uniqueVisitors":0,"contactsLanguageNotKnown":0,"incidents":0,"#
            + #""consentChanges":0,"policeShares":0,"alertsPublished":0,"feedbackGiven":0,"unreadable":0}"#
        #expect(throws: RetentionError.self) { try QuarterlyFigures(sealedText: bad) }
    }

    @Test("an erased conversation's summary is the same whether the replica still held its opening or had let it go")
    func erasedInbox() throws {
        let log = TestLog()
        let script = try Script(log: log, wrappedTo: [Cast.alice])
        try script.visitorSays("hi")
        _ = try script.claim(by: Cast.alice)
        let relay = SigningKeyPair.generate()
        let listed = script.events.map {
            ContentErased.Entry(position: $0.position, kind: $0.kind, timeMilliseconds: $0.timeMilliseconds, author: $0.authorKeyID,
                                byVisitor: $0.isByVisitor)
        }
        let record = try ContentErased(rule: .visitorRequest, reference: Random.bytes(count: 16), days: 0, entries: listed)
        let erased = try script.append(.contentErased, record.content, by: relay)
        var incremental = Inbox()
        incremental.apply(log.events)
        var rebuilt = Inbox()
        rebuilt.apply([erased])
        let summary = try #require(incremental.summary(of: script.conversation))
        #expect(summary.state == .erased && !summary.isOpen)
        #expect(summary == rebuilt.summary(of: script.conversation))
        #expect(incremental.erased().map(\.id) == [script.conversation] && incremental.waiting().isEmpty && incremental.mine(Cast.alice.keyID).isEmpty)
        let audit = AuditTrail.build(events: [erased], keyring: Cast.keyring).filter { $0.position != nil }
        #expect(audit.map(\.action) == [.claim, .contentErased], "the claim is kept in the audit without its event")
        #expect(audit.first?.actor == "alice" && audit.first?.detail == "content erased")
    }

    @Test("a conversation whose messages expired is closed, not waiting, in the inbox")
    func trimmedInbox() throws {
        let log = TestLog()
        let script = try Script(log: log, wrappedTo: [Cast.alice])
        let said = try script.visitorSays("hi")
        let record = try ContentErased(rule: .retentionMessages, reference: Random.bytes(count: 16), days: 30, entries: [
            .init(position: said.position, kind: .messagePosted, timeMilliseconds: said.timeMilliseconds, author: said.authorKeyID, byVisitor: true),
        ])
        let erased = try script.append(.contentErased, record.content, by: SigningKeyPair.generate())
        var inbox = Inbox()
        inbox.apply(log.events.filter { $0.position != said.position })
        #expect(inbox.summary(of: script.conversation)?.state == .closed)
        #expect(inbox.summary(of: script.conversation)?.closedAt == erased.timeMilliseconds)
    }
}
