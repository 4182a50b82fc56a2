import Foundation
import NetreachCore
import Sodium
import Testing

/// A realistic quarter written with real keys, and what its report must say, known by construction.
struct GeneratedQuarter {
    let log = TestLog()
    var expected: QuarterlyFigures.Expected
    let quarter: Quarter

    static let staff = [Cast.alice, Cast.bob, Cast.dave]

    init(conversations: Int, seed: UInt64, quarter: Quarter) throws {
        self.quarter = quarter
        expected = .init()
        var rng = SeededGenerator(state: seed)
        // Conversations open from half a month before the quarter to ten days after it.
        let from = quarter.start - 15 * 86_400_000, to = quarter.end + 10 * 86_400_000
        var opens = (0..<conversations).map { _ in UInt64.random(in: from..<to, using: &rng) }
        opens.sort()
        var visitors = Set<ConversationID>()
        for openedAt in opens {
            log.time = openedAt
            // Most pages send their language; one in ten opens as pages did before it was sent.
            let language = rng.chance(90) ? VisitorLanguage.pageLanguages.randomElement(using: &rng)! : nil
            var script = try Script(log: log, wrappedTo: Self.staff, language: language)
            let opened = try #require(script.events.first).timeMilliseconds
            let worker = rng.chance(50) ? Cast.alice : Cast.bob
            let waiting = UInt64.random(in: 60...10_800, using: &rng)
            let reply = waiting + UInt64.random(in: 0...600, using: &rng)
            if let month = quarter.monthIndex(of: opened) {
                expected.openedByMonth[month] += 1
                if !Self.onDuty(opened) { expected.openedOffDuty += 1 }
                expected.waitingSeconds.append(waiting)
                expected.firstReplySeconds.append(reply)
            }
            log.time = openedAt + 30_000
            try script.visitorSays("hello")
            log.time = openedAt + waiting * 1000
            try script.append(.conversationClaimed, [], by: worker.signing)
            log.time = openedAt + reply * 1000
            try script.says(worker, "hi, how can I help?")
            log.time += 1000
            try script.shareStaffKey(from: worker, to: Self.staff)
            if rng.chance(10) { try incident(&script, worker: worker, rng: &rng) }
            if rng.chance(85) {
                let topics = Array(WrapUp.Topic.allCases.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)))
                let referrals = Array(WrapUp.Referral.allCases.shuffled(using: &rng).prefix(Int.random(in: 0...2, using: &rng)))
                // Half the wrap-ups record what the visitor said of themself; the rest record nothing.
                let demographics = rng.chance(50) ? WrapUp.Demographics(age: WrapUp.AgeBand.allCases.randomElement(using: &rng)!,
                                                                         gender: WrapUp.Gender.allCases.randomElement(using: &rng)!,
                                                                         workSetting: WrapUp.WorkSetting.allCases.randomElement(using: &rng)!)
                                                   : .notRecorded
                let wrapUp = try WrapUp(topics: topics, referrals: referrals, outcome: referrals.isEmpty ? .supportGiven : .referred,
                                        contact: rng.chance(30) ? .repeat : .new, demographics: demographics)
                log.time = max(log.time, openedAt + UInt64.random(in: 600...259_200, using: &rng) * 1000)
                let closed = try script.close(by: worker, wrapUp)
                if let month = quarter.monthIndex(of: closed.timeMilliseconds) {
                    expected.contactsByMonth[month] += 1
                    if wrapUp.contact == .new { expected.newContacts += 1 } else { expected.repeatContacts += 1 }
                    for topic in wrapUp.topics { expected.topics[topic, default: 0] += 1 }
                    for referral in wrapUp.referrals { expected.referrals[referral, default: 0] += 1 }
                    expected.ages[wrapUp.demographics.age, default: 0] += 1
                    expected.genders[wrapUp.demographics.gender, default: 0] += 1
                    expected.workSettings[wrapUp.demographics.workSetting, default: 0] += 1
                    if let language { expected.contactsByLanguage[language, default: 0] += 1 } else { expected.contactsLanguageNotKnown += 1 }
                    visitors.insert(script.conversation)
                }
                if rng.chance(60) { try feedback(&script, rng: &rng) }
            }
        }
        expected.uniqueVisitors = visitors.count
        expected.firstReplySeconds.sort()
        expected.waitingSeconds.sort()
    }

    /// The visitor answers the closed chat's questions, skipping some; one in ten answers twice, and the last in the quarter counts.
    private mutating func feedback(_ script: inout Script, rng: inout SeededGenerator) throws {
        var counted: VisitorFeedback?
        for _ in 0..<(rng.chance(10) ? 2 : 1) {
            let helpful = rng.chance(80) ? VisitorFeedback.Helpful.allCases.randomElement(using: &rng)! : nil
            let safer = rng.chance(70) ? VisitorFeedback.Safer.allCases.randomElement(using: &rng)! : nil
            let helpedMost = rng.chance(60) ? VisitorFeedback.HelpedMost.allCases.randomElement(using: &rng)! : nil
            let given = try VisitorFeedback(helpful: helpful ?? (safer == nil && helpedMost == nil ? .no : nil), safer: safer, helpedMost: helpedMost)
            log.time += UInt64.random(in: 60...7_200, using: &rng) * 1000
            let stored = try script.append(.feedbackGiven, SealedText.seal(given.text, key: script.conversationKey), by: script.visitor)
            if quarter.contains(stored.timeMilliseconds) { counted = given }
        }
        guard let counted else { return }
        expected.feedbackGiven += 1
        if let answer = counted.helpful { expected.helpful[answer, default: 0] += 1 }
        if let answer = counted.safer { expected.safer[answer, default: 0] += 1 }
        if let answer = counted.helpedMost { expected.helpedMost[answer, default: 0] += 1 }
    }

    /// The visitor reports; consent may change later; the report may be shared and alerted on.
    private mutating func incident(_ script: inout Script, worker: Member, rng: inout SeededGenerator) throws {
        let harms = Array(IncidentReport.Harm.allCases.shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng)))
        var level = ConsentLevel.allCases.randomElement(using: &rng)!
        let report = try IncidentReport(date: "2026-08-01", timeBand: .night, area: "Leeds", setting: .outdoor, harms: harms,
                                        identifiers: [], description: "", account: "", wantsSupport: false, consent: level)
        log.time += 60_000
        let reported = try script.append(.incidentReported, SealedText.seal(report.text, key: script.conversationKey), by: script.visitor)
        let id = IncidentID(reportedBy: reported.event)
        var changedAt: UInt64?
        let reportedInQuarter = quarter.contains(reported.timeMilliseconds)
        if rng.chance(30) {
            log.time += UInt64.random(in: 60...(20 * 86_400), using: &rng) * 1000
            level = ConsentLevel.allCases.randomElement(using: &rng)!
            let changed = try script.append(.consentChanged, SealedText.seal(try ConsentChange(incident: id, level: level).text,
                                                                             key: script.conversationKey), by: script.visitor)
            changedAt = changed.timeMilliseconds
            if quarter.contains(changed.timeMilliseconds) { expected.consentChanges += 1 }
        }
        if reportedInQuarter {
            expected.incidents += 1
            for harm in harms { expected.incidentsByHarm[harm, default: 0] += 1 }
            // The consent at the quarter's end: a change after it does not count.
            let atEnd = (changedAt ?? 0) < quarter.end ? level : report.consent
            expected.incidentsByConsent[atEnd, default: 0] += 1
        }
        let key = try #require(script.staffKey)
        if level.allowsPoliceExport && rng.chance(40) {
            log.time += 60_000
            let shared = try IncidentShared(incident: id, recipient: .police, level: level, digest: Base64URL.encode(SHA512.hash([1])),
                                            note: "ref")
            let stored = try script.append(.incidentShared, SealedText.seal(shared.text, key: key), by: worker.signing)
            if quarter.contains(stored.timeMilliseconds) { expected.policeShares += 1 }
        }
        if level.allowsAlert && rng.chance(40) {
            log.time += 60_000
            let alert = try SafetyAlert(month: "2026-08", area: "Leeds", harms: harms, summary: "", hashes: [])
            let stored = log.store(try Event(kind: .alertPublished, conversation: .alertFeed, clientTimeMilliseconds: 0, content: alert.content,
                                             signer: worker.signing))
            if quarter.contains(stored.timeMilliseconds) { expected.alertsPublished += 1 }
        }
    }

    /// The generated deployment's schedule: someone is on duty 10:00–18:00 UTC every day.
    static func onDuty(_ milliseconds: UInt64) -> Bool { (10..<18).contains(milliseconds / 3_600_000 % 24) }

    func figures(for quarter: Quarter) -> QuarterlyFigures {
        QuarterlyFigures.build(quarter: quarter, events: log.events, keys: { _, events in
            ConversationKeys.resolve(events: events, me: Cast.dave.secrets, keyring: Cast.keyring)
        }, onDuty: Self.onDuty)
    }
}

extension QuarterlyFigures {
    /// The generator's ground truth, field for field.
    struct Expected {
        var contactsByMonth = [0, 0, 0], openedByMonth = [0, 0, 0]
        var newContacts = 0, repeatContacts = 0, uniqueVisitors = 0
        var firstReplySeconds: [UInt64] = [], waitingSeconds: [UInt64] = []
        var topics: [WrapUp.Topic: Int] = [:], referrals: [WrapUp.Referral: Int] = [:]
        var ages: [WrapUp.AgeBand: Int] = [:], genders: [WrapUp.Gender: Int] = [:], workSettings: [WrapUp.WorkSetting: Int] = [:]
        var openedOffDuty = 0
        var contactsByLanguage: [VisitorLanguage: Int] = [:], contactsLanguageNotKnown = 0
        var incidents = 0, consentChanges = 0, policeShares = 0, alertsPublished = 0
        var feedbackGiven = 0, helpful: [VisitorFeedback.Helpful: Int] = [:], safer: [VisitorFeedback.Safer: Int] = [:]
        var helpedMost: [VisitorFeedback.HelpedMost: Int] = [:]
        var incidentsByHarm: [IncidentReport.Harm: Int] = [:], incidentsByConsent: [ConsentLevel: Int] = [:]
    }
}

@Suite("Quarterly report: figures, small counts, formats", .serialized)
struct QuarterlyReportTests {
    static let quarter = try! Quarter("2026Q3")

    @Test("quarters are read, bounded and ordered in UTC")
    func quarters() throws {
        #expect(Self.quarter.months == ["2026-07", "2026-08", "2026-09"])
        #expect(Self.quarter.start == 1_782_864_000_000)  // 2026-07-01T00:00:00Z
        #expect(Self.quarter.end == 1_790_812_800_000)  // 2026-10-01T00:00:00Z
        #expect(try Quarter("2026q1").previous == Quarter("2025Q4"))
        #expect(Self.quarter.monthIndex(of: Self.quarter.monthStart(1)) == 1)
        #expect(Self.quarter.monthIndex(of: Self.quarter.end) == nil)
        for bad in ["2026Q5", "2026-Q3", "26Q3", "2026Q", "Q3"] {
            #expect(throws: IncidentError.self) { try Quarter(bad) }
        }
    }

    @Test("every figure of a generated quarter of 1 200 conversations equals the ground truth")
    func groundTruth() throws {
        let generated = try GeneratedQuarter(conversations: 1_200, seed: 2026, quarter: Self.quarter)
        let figures = generated.figures(for: Self.quarter)
        let truth = generated.expected
        #expect(figures.contactsByMonth == truth.contactsByMonth)
        #expect(figures.openedByMonth == truth.openedByMonth)
        #expect(figures.newContacts == truth.newContacts && figures.repeatContacts == truth.repeatContacts)
        #expect(figures.uniqueVisitors == truth.uniqueVisitors)
        #expect(figures.firstReplySeconds == truth.firstReplySeconds)
        #expect(figures.waitingSeconds == truth.waitingSeconds)
        #expect(figures.topics == truth.topics)
        #expect(figures.referrals == truth.referrals)
        #expect(figures.ages == truth.ages && figures.genders == truth.genders && figures.workSettings == truth.workSettings)
        #expect(figures.openedOffDuty == truth.openedOffDuty)
        #expect(figures.contactsByLanguage == truth.contactsByLanguage && figures.contactsLanguageNotKnown == truth.contactsLanguageNotKnown)
        #expect(figures.contactsByLanguage.count == 6 && figures.contactsLanguageNotKnown > 0)
        #expect(figures.contactsByLanguage.values.reduce(0, +) + figures.contactsLanguageNotKnown == figures.contacts)
        #expect((figures.ages[.notRecorded] ?? 0) > 0 && figures.ages.count > 2)
        #expect(figures.incidents == truth.incidents)
        #expect(figures.incidentsByHarm == truth.incidentsByHarm)
        #expect(figures.incidentsByConsent == truth.incidentsByConsent)
        #expect(figures.consentChanges == truth.consentChanges)
        #expect(figures.policeShares == truth.policeShares)
        #expect(figures.alertsPublished == truth.alertsPublished)
        #expect(figures.feedbackGiven == truth.feedbackGiven && figures.feedbackGiven > 200)
        #expect(figures.helpful == truth.helpful && figures.safer == truth.safer && figures.helpedMost == truth.helpedMost)
        #expect(figures.helpful.count == 3 && figures.safer.count == 3 && figures.helpedMost.count == 5)
        #expect(figures.unreadable == 0)
        #expect(figures.contacts > 700, "the generator should fill the quarter: \(figures.contacts)")
        #expect(figures.incidents > 50)

        // Built from the whole log or from the events in any order, the figures are the same.
        let shuffled = QuarterlyFigures.build(quarter: Self.quarter, events: generated.log.events.reversed(), keys: { _, events in
            ConversationKeys.resolve(events: events, me: Cast.dave.secrets, keyring: Cast.keyring)
        }, onDuty: GeneratedQuarter.onDuty)
        #expect(shuffled == figures)

        // A worker who lacks some keys gets fewer readable wrap-ups, counted as unreadable, never guessed.
        let mallory = QuarterlyFigures.build(quarter: Self.quarter, events: generated.log.events) { _, events in
            ConversationKeys.resolve(events: events, me: Cast.mallory.secrets, keyring: Cast.keyring)
        }
        #expect(mallory.contacts == 0)
        #expect(mallory.unreadable == figures.contacts + figures.incidents + figures.feedbackGiven)
    }

    @Test("small counts are hidden, with a second cell where a total would give the first away")
    func suppression() {
        let table = ReportTable(title: "t", columns: ["a", "b", "c"], rows: [
            .init("x", [.count(3), .count(0), .count(2)]),
            .init("y", [.count(10), .count(7), .count(2)]),
            .init("z", [.count(12), .count(9), .count(20)]),
            .init("total", [.count(25), .count(16), .count(24)]),
        ], hasTotal: true)
        let shown = table.shown(threshold: 5)
        // Column a: 3 hidden, and the next smallest (10) too, as "*": it is not under 5. Column b: nothing small.
        // Column c: two hidden already, whose sum (4) leaves each 1…3.
        #expect(shown.map { $0[0] } == ["<5", "*", "12", "25"])
        #expect(shown.map { $0[1] } == ["0", "7", "9", "16"])
        #expect(shown.map { $0[2] } == ["<5", "<5", "20", "24"])
        // Only one non-zero cell: the total goes instead.
        let lone = ReportTable(title: "t", columns: ["a"], rows: [.init("x", [.count(2)]), .init("y", [.count(0)]),
                                                                  .init("total", [.count(2)])], hasTotal: true)
        #expect(lone.shown(threshold: 5).map { $0[0] } == ["<5", "0", "<5"])
        #expect(table.shown(threshold: 0) == table.rows.map { $0.cells.map { if case .count(let n) = $0 { String(n) } else { "" } } })
        #expect(table.shown(threshold: 3).map { $0[0] } == ["3", "10", "12", "25"])
    }

    @Test("the funder's cases: a cell hidden to protect another never shows a false range, and two small cells cannot be worked out by subtraction")
    func reportedCases() {
        // 46 − 9 − 5 − 30 = 2 left two "<5" cells that could only be 1 each.
        let pair = ReportTable(title: "t", columns: ["q"], rows: [
            .init("a", [.count(1)]), .init("b", [.count(1)]), .init("c", [.count(9)]), .init("d", [.count(5)]), .init("e", [.count(30)]),
            .init("total", [.count(46)]),
        ], hasTotal: true)
        let naive = [["<5"], ["<5"], ["9"], ["5"], ["30"], ["46"]]
        #expect(ReportTable.derivableCells(naive, hasTotal: true, threshold: 5).map(\.row) == [0, 1], "the check sees the old output's leak")
        let shown = pair.shown(threshold: 5)
        #expect(shown.map { $0[0] } == ["<5", "<5", "9", "*", "30", "46"])
        #expect(ReportTable.derivableCells(shown, hasTotal: true, threshold: 5).isEmpty)
        // With --threshold 10, a 37 hidden to protect a 9 showed as "<10" beside a total of 46.
        let large = ReportTable(title: "t", columns: ["q"], rows: [.init("a", [.count(9)]), .init("b", [.count(37)]),
                                                                   .init("total", [.count(46)])], hasTotal: true)
        #expect(large.shown(threshold: 10).map { $0[0] } == ["<10", "*", "46"])
    }

    @Test("random tables: every hidden cell is hidden truthfully, every shown cell is its count, and nothing hidden can be worked out")
    func randomTables() {
        var generator = SeededGenerator(state: 20_261_202)
        for _ in 0..<3_000 {
            let threshold = Int.random(in: 3...10, using: &generator)
            let parts = Int.random(in: 1...8, using: &generator), columnCount = Int.random(in: 1...3, using: &generator)
            // Mostly small counts, so that suppression has work to do.
            let counts = (0..<parts).map { _ in
                (0..<columnCount).map { _ in
                    Bool.random(using: &generator) ? Int.random(in: 0...threshold, using: &generator) : Int.random(in: 0...60, using: &generator)
                }
            }
            let totals = (0..<columnCount).map { c in counts.reduce(0) { $0 + $1[c] } }
            let table = ReportTable(title: "t", columns: (0..<columnCount).map { "c\($0)" },
                                    rows: counts.enumerated().map { .init("r\($0)", $1.map { .count($0) }) } + [.init("total", totals.map { .count($0) })],
                                    hasTotal: true)
            let shown = table.shown(threshold: threshold)
            let values = counts + [totals]
            for (r, row) in shown.enumerated() {
                for (c, text) in row.enumerated() {
                    let value = values[r][c]
                    // A small count is hidden: with its range, or, where even the range would give it away, without.
                    if value > 0 && value < threshold { #expect(text == "<\(threshold)" || text == ReportTable.complementaryMark, "\(values) \(shown)") }
                    if text == "<\(threshold)" { #expect(value > 0 && value < threshold) }
                    if let number = Int(text) { #expect(number == value) }
                }
            }
            #expect(ReportTable.derivableCells(shown, hasTotal: true, threshold: threshold).isEmpty, "\(values) → \(shown)")
        }
    }

    @Test("contacts by language: a row per page language, then other tags, not known and the total, which is the contacts; nothing derivable")
    func contactsByLanguage() throws {
        let generated = try GeneratedQuarter(conversations: 120, seed: 5, quarter: Self.quarter)
        let figures = generated.figures(for: Self.quarter)
        let report = QuarterlyReport(organisation: "p", current: figures, previous: nil, monthlyTarget: nil)
        let table = try #require(report.tables.first { $0.title == "Contacts by language" })
        #expect(table.hasTotal)
        #expect(table.rows.map(\.label) == ["English (en)", "Romanian (ro)", "Polish (pl)", "Portuguese (Brazil) (pt-BR)", "Spanish (es)",
                                             "Bulgarian (bg)", "not known", "total"])
        #expect(table.rows.last?.cells == [.count(figures.contacts)])
        #expect(table.rows.dropLast().map { if case .count(let n) = $0.cells[0] { n } else { -1 } }.reduce(0, +) == figures.contacts)
        let shown = table.shown(threshold: 5)
        #expect(ReportTable.derivableCells(shown, hasTotal: true, threshold: 5).isEmpty, "\(shown)")
        #expect(report.csv.contains("Contacts by language,total,\(Self.quarter),"))
    }

    @Test("response times say that they are exact only to the minute, as the relay records times")
    func responseTimePrecision() throws {
        let generated = try GeneratedQuarter(conversations: 120, seed: 9, quarter: Self.quarter)
        let report = QuarterlyReport(organisation: "p", current: generated.figures(for: Self.quarter), previous: nil, monthlyTarget: nil)
        let table = try #require(report.tables.first { $0.title.hasPrefix("Response times") })
        #expect(table.title == "Response times (to the minute: the relay records times to the minute)")
        #expect(report.csv.contains(#"Response times (to the minute: the relay records times to the minute),"first staff reply, median","#),
                "\(report.csv)")
    }

    @Test("outcomes: a table per feedback question, each answer, not answered and the feedback given; nothing derivable")
    func outcomes() throws {
        let generated = try GeneratedQuarter(conversations: 120, seed: 7, quarter: Self.quarter)
        let figures = generated.figures(for: Self.quarter)
        #expect(figures.feedbackGiven > 0)
        let report = QuarterlyReport(organisation: "p", current: figures, previous: generated.figures(for: try #require(Self.quarter.previous)),
                                     monthlyTarget: nil)
        let tables = report.tables.filter { $0.title.hasPrefix("Outcomes:") }
        #expect(tables.map(\.title) == ["Outcomes: was the chat helpful? (visitors' own feedback)", "Outcomes: do you feel safer or better informed?",
                                        "Outcomes: what helped most?"])
        #expect(tables[0].rows.map(\.label) == ["yes", "a little", "no", "not answered", "total feedback given"])
        #expect(tables[2].rows.map(\.label) == ["safety advice", "local services", "health", "someone to talk to", "something else",
                                                "not answered", "total feedback given"])
        let answered = [figures.helpful.values.reduce(0, +), figures.safer.values.reduce(0, +), figures.helpedMost.values.reduce(0, +)]
        for (table, answered) in zip(tables, answered) {
            #expect(table.hasTotal)
            #expect(table.rows.last?.cells.first == .count(figures.feedbackGiven))
            #expect(table.rows[table.rows.count - 2].cells.first == .count(figures.feedbackGiven - answered))
            let shown = table.shown(threshold: 5)
            #expect(ReportTable.derivableCells(shown, hasTotal: true, threshold: 5).isEmpty, "\(table.title): \(shown)")
        }
        #expect(report.csv.contains("Outcomes: what helped most?,total feedback given,\(Self.quarter),"))
    }

    @Test("feedback that does not open or read is counted as unreadable, never as an answer; the last feedback in the quarter counts")
    func feedbackUnreadableAndLast() throws {
        let log = TestLog()
        log.time = Self.quarter.start + 86_400_000
        let script = try Script(log: log, wrappedTo: GeneratedQuarter.staff)
        try script.visitorSays("hello")
        let first = try VisitorFeedback(helpful: .no, safer: nil, helpedMost: nil)
        let last = try VisitorFeedback(helpful: .yes, safer: .yes, helpedMost: .health)
        try script.append(.feedbackGiven, SealedText.seal(first.text, key: script.conversationKey), by: script.visitor)
        log.time += 60_000
        try script.append(.feedbackGiven, SealedText.seal(last.text, key: script.conversationKey), by: script.visitor)
        let other = try Script(log: log, wrappedTo: GeneratedQuarter.staff)
        // Sealed with a key nobody holds, and a text that is not feedback: both unreadable.
        try other.append(.feedbackGiven, SealedText.seal(last.text, key: SecretBox.generateKey()), by: other.visitor)
        let third = try Script(log: log, wrappedTo: GeneratedQuarter.staff)
        try third.append(.feedbackGiven, SealedText.seal(#"{"format":"netreach-feedback-v1","helpful":"maybe","safer":"","helpedMost":""}"#,
                                                         key: third.conversationKey), by: third.visitor)
        let figures = QuarterlyFigures.build(quarter: Self.quarter, events: log.events) { _, events in
            ConversationKeys.resolve(events: events, me: Cast.dave.secrets, keyring: Cast.keyring)
        }
        #expect(figures.feedbackGiven == 1)
        #expect(figures.helpful == [.yes: 1] && figures.safer == [.yes: 1] && figures.helpedMost == [.health: 1])
        #expect(figures.unreadable == 2)
    }

    @Test("a language tag the page does not offer gets its own row, after the page's languages and before not known")
    func otherLanguageRow() throws {
        let log = TestLog()
        log.time = Self.quarter.start + 86_400_000
        var script = try Script(log: log, wrappedTo: GeneratedQuarter.staff, language: VisitorLanguage("uk"))
        try script.visitorSays("привіт")
        try script.shareStaffKey(from: Cast.alice, to: GeneratedQuarter.staff)
        try script.close(by: Cast.alice, try WrapUp(topics: [.housing], referrals: [], outcome: .supportGiven, contact: .new))
        let figures = QuarterlyFigures.build(quarter: Self.quarter, events: log.events) { _, events in
            ConversationKeys.resolve(events: events, me: Cast.dave.secrets, keyring: Cast.keyring)
        }
        #expect(figures.contactsByLanguage == [try VisitorLanguage("uk"): 1])
        let report = QuarterlyReport(organisation: "p", current: figures, previous: nil, monthlyTarget: nil, threshold: 0)
        let table = try #require(report.tables.first { $0.title == "Contacts by language" })
        #expect(table.rows.map(\.label).suffix(3) == ["uk", "not known", "total"])
        #expect(report.csv.contains("Contacts by language,uk,\(Self.quarter),1\n"))
    }

    @Test("every format states the period, the date made, contacts against the target, what could not be read, and the footnote")
    func facts() throws {
        let generated = try GeneratedQuarter(conversations: 60, seed: 7, quarter: Self.quarter)
        let report = QuarterlyReport(organisation: "p", current: generated.figures(for: Self.quarter), previous: nil, monthlyTarget: 10,
                                     madeMilliseconds: 1_764_633_600_000)
        let period = "\(Self.quarter.firstDay) to \(Self.quarter.lastDay)"
        #expect(Self.quarter.firstDay.hasSuffix("-01"))
        #expect(report.csv.contains("report,period,,\(period)\n") && report.csv.contains("report,made,,2025-12-02\n"), "\(report.csv.prefix(400))")
        #expect(report.csv.contains("report,unreadable,,"))
        #expect(report.csv.contains("report,contacts as a percentage of target,,"))
        #expect(report.json.contains("\"period\":\"\(period)\"") && report.json.contains("\"made\":\"2025-12-02\""))
        #expect(report.html.contains(period))
        if report.usesComplementarySuppression {
            for text in [report.csv, report.json, report.html] { #expect(text.contains("hidden so that a small count elsewhere")) }
        }
        #expect(Quarter.date(0) == "1970-01-01" && Quarter.date(951_782_400_000) == "2000-02-29")
    }

    @Test("no format shows a hidden count: CSV, JSON and HTML agree cell for cell")
    func formats() throws {
        let generated = try GeneratedQuarter(conversations: 60, seed: 7, quarter: Self.quarter)
        let report = QuarterlyReport(organisation: "Test <Project>", current: generated.figures(for: Self.quarter),
                                     previous: generated.figures(for: try #require(Self.quarter.previous)), monthlyTarget: 80)
        for table in report.tables {
            let shown = table.shown(threshold: report.threshold)
            for (row, values) in zip(table.rows, shown) {
                for (cell, value) in zip(row.cells, values) {
                    if case .count(let n) = cell, n > 0, n < 5 { #expect(value == "<5", "\(table.title) \(row.label)") }
                }
                for (column, value) in zip(table.columns, values) {
                    let line = [table.title, row.label, column, value].map(QuarterlyReportTests.csv).joined(separator: ",")
                    #expect(report.csv.contains(line + "\n"), "\(line)")
                }
            }
        }
        #expect(report.json.contains("\"organisation\":\"Test <Project>\""))
        #expect(report.json.contains("\"<5\""))
        let html = report.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Test &lt;Project&gt;"))
        #expect(html.contains("&lt;5"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("src="),
                "the HTML must load nothing")
        #expect(html.contains("<svg") && html.contains("target 80"))
    }

    static func csv(_ value: String) -> String {
        value.contains(",") || value.contains("\"") ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
