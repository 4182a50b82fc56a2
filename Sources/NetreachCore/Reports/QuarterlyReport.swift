/// The quarterly monitoring report for funders (docs/READ-MODELS.md, "Quarterly report"): the
/// quarter's figures beside the previous quarter's, as tables with small counts suppressed, in
/// CSV, JSON or one self-contained HTML file with inline SVG charts.
public struct QuarterlyReport: Sendable {
    public let organisation: String
    public let current: QuarterlyFigures
    public let previous: QuarterlyFigures?
    /// Contacts a month that the funder expects; nil when none was given.
    public let monthlyTarget: Int?
    /// Counts from 1 to threshold − 1 are shown as "<threshold".
    public let threshold: Int
    /// When the report was made, in milliseconds since 1970.
    public let madeMilliseconds: UInt64

    public init(organisation: String, current: QuarterlyFigures, previous: QuarterlyFigures?, monthlyTarget: Int?, threshold: Int = 5,
                madeMilliseconds: UInt64 = 0) {
        self.organisation = organisation
        self.current = current
        self.previous = previous
        self.monthlyTarget = monthlyTarget
        self.threshold = threshold
        self.madeMilliseconds = madeMilliseconds
    }

    /// What every format states before its tables: the period, the date made, contacts against the
    /// target, what could not be read, and the footnote for complementary suppression when it is used.
    public var facts: [(name: String, value: String)] {
        var facts: [(String, String)] = [("period", "\(current.quarter.firstDay) to \(current.quarter.lastDay)"),
                                         ("made", Quarter.date(madeMilliseconds))]
        if let monthlyTarget, monthlyTarget > 0 {
            let shown = suppressed(current.contacts)
            facts.append(("contacts as a percentage of target", shown == String(current.contacts)
                ? "\(current.contacts * 100 / (monthlyTarget * 3))% (\(current.contacts) of \(monthlyTarget * 3))"
                : "not shown: \(shown) contacts"))
        }
        facts.append(("unreadable", suppressed(current.unreadable)))
        if usesComplementarySuppression { facts.append(("note", ReportTable.complementaryNote)) }
        return facts
    }

    /// Whether some table hides a count only to protect another.
    public var usesComplementarySuppression: Bool {
        tables.contains { $0.shown(threshold: threshold).joined().contains(ReportTable.complementaryMark) }
    }

    private var columns: [String] { [current.quarter.description] + (previous.map { [$0.quarter.description] } ?? []) }

    private func both(_ value: (QuarterlyFigures) -> Int) -> [ReportTable.Cell] {
        [.count(value(current))] + (previous.map { [.count(value($0))] } ?? [])
    }

    /// Every table of the report, in order.
    public var tables: [ReportTable] {
        var tables: [ReportTable] = []
        var monthRows = current.quarter.months.enumerated().map { index, month in
            ReportTable.Row(month, [.count(current.contactsByMonth[index]), .count(current.openedByMonth[index])]
                + (monthlyTarget.map { [.text(String($0))] } ?? []))
        }
        monthRows.append(.init("total", [.count(current.contacts), .count(current.openedByMonth.reduce(0, +))]
            + (monthlyTarget.map { [.text(String($0 * 3))] } ?? [])))
        tables.append(ReportTable(title: "Contacts per month", columns: ["contacts", "conversations opened"]
            + (monthlyTarget == nil ? [] : ["target"]), rows: monthRows, hasTotal: true))
        tables.append(ReportTable(title: "New and repeat contacts", columns: columns, rows: [
            .init("new", both(\.newContacts)), .init("repeat", both(\.repeatContacts)), .init("total", both(\.contacts)),
        ], hasTotal: true))
        tables.append(ReportTable(title: "Individuals", columns: columns, rows: [.init("unique visitors", both(\.uniqueVisitors))]))
        if current.openedOffDuty != nil {
            tables.append(ReportTable(title: "Out of hours", columns: columns, rows: [
                .init("conversations opened while nobody was on duty", both { $0.openedOffDuty ?? 0 }),
            ]))
        }
        tables.append(ReportTable(title: "Age band (as recorded at wrap-up)", columns: columns,
                                  rows: WrapUp.AgeBand.allCases.map { value in .init(value.label, both { $0.ages[value] ?? 0 }) }
                                      + [.init("total", both(\.contacts))], hasTotal: true))
        tables.append(ReportTable(title: "Gender (as recorded at wrap-up)", columns: columns,
                                  rows: WrapUp.Gender.allCases.map { value in .init(value.label, both { $0.genders[value] ?? 0 }) }
                                      + [.init("total", both(\.contacts))], hasTotal: true))
        tables.append(ReportTable(title: "Work setting (as recorded at wrap-up)", columns: columns,
                                  rows: WrapUp.WorkSetting.allCases.map { value in .init(value.label, both { $0.workSettings[value] ?? 0 }) }
                                      + [.init("total", both(\.contacts))], hasTotal: true))
        tables.append(ReportTable(title: "Contacts by language", columns: columns, rows: languageRows, hasTotal: true))
        // The relay records each event's time to the minute (docs/PROTOCOL.md, "Storage"), so that its
        // log cannot time a visitor to the second; the figures say how exact they can be.
        tables.append(ReportTable(title: "Response times (to the minute: the relay records times to the minute)", columns: columns, rows: [
            .init("first staff reply, median", times(\.firstReplySeconds, 0.5)),
            .init("first staff reply, 90th percentile", times(\.firstReplySeconds, 0.9)),
            .init("waiting until claimed, median", times(\.waitingSeconds, 0.5)),
            .init("waiting until claimed, 90th percentile", times(\.waitingSeconds, 0.9)),
        ]))
        tables.append(ReportTable(title: "Issues raised (a contact may raise several)", columns: columns,
                                  rows: WrapUp.Topic.allCases.map { topic in .init(topic.label, both { $0.topics[topic] ?? 0 }) }))
        tables.append(ReportTable(title: "Referrals made, by kind of service", columns: columns,
                                  rows: WrapUp.Referral.allCases.map { referral in .init(referral.label, both { $0.referrals[referral] ?? 0 }) }))
        tables.append(ReportTable(title: "Incidents reported, by what happened (a report may name several)", columns: columns,
                                  rows: IncidentReport.Harm.allCases.map { harm in .init(harm.label, both { $0.incidentsByHarm[harm] ?? 0 }) }))
        tables.append(ReportTable(title: "Incidents reported, by consent at the quarter's end", columns: columns,
                                  rows: ConsentLevel.allCases.map { level in .init("level " + level.summary, both { $0.incidentsByConsent[level] ?? 0 }) }
                                      + [.init("total", both(\.incidents))], hasTotal: true))
        tables.append(ReportTable(title: "Sharing and alerts", columns: columns, rows: [
            .init("safety alerts published", both(\.alertsPublished)), .init("reports shared with the police", both(\.policeShares)),
            .init("consent changes", both(\.consentChanges)),
        ]))
        tables.append(outcomes("Outcomes: was the chat helpful? (visitors' own feedback)", \.helpful))
        tables.append(outcomes("Outcomes: do you feel safer or better informed?", \.safer))
        tables.append(outcomes("Outcomes: what helped most?", \.helpedMost))
        return tables
    }

    /// One feedback question: each answer, "not answered" (feedback that skipped it), and the feedback given.
    private func outcomes<Answer: CaseIterable & Hashable & OutcomeAnswer>(_ title: String,
                                                                           _ answers: KeyPath<QuarterlyFigures, [Answer: Int]>) -> ReportTable {
        let rows = Answer.allCases.map { answer in ReportTable.Row(answer.label, both { $0[keyPath: answers][answer] ?? 0 }) }
            + [.init("not answered", both { figures in figures.feedbackGiven - figures[keyPath: answers].values.reduce(0, +) }),
               .init("total feedback given", both(\.feedbackGiven))]
        return ReportTable(title: title, columns: columns, rows: rows, hasTotal: true)
    }

    /// The page's languages, then any other tag a contact's opening carried (sorted), then "not known", then the total.
    private var languageRows: [ReportTable.Row] {
        let seen = Set(([current] + (previous.map { [$0] } ?? [])).flatMap { $0.contactsByLanguage.keys })
        let others = seen.subtracting(VisitorLanguage.pageLanguages).sorted { $0.tag.lowercased() < $1.tag.lowercased() }
        return (VisitorLanguage.pageLanguages + others).map { language in
            .init(language.name.map { "\($0) (\(language.tag))" } ?? language.tag, both { $0.contactsByLanguage[language] ?? 0 })
        } + [.init("not known", both(\.contactsLanguageNotKnown)), .init("total", both(\.contacts))]
    }

    /// A time figure, as minutes; withheld when it rests on fewer than `threshold` conversations.
    private func times(_ values: KeyPath<QuarterlyFigures, [UInt64]>, _ fraction: Double) -> [ReportTable.Cell] {
        ([current] + (previous.map { [$0] } ?? [])).map { figures in
            let sample = figures[keyPath: values]
            guard sample.count >= max(threshold, 1), let seconds = QuarterlyFigures.percentile(sample, fraction) else {
                return .text(sample.isEmpty ? "none" : "fewer than \(threshold) conversations")
            }
            return .text(Self.minutes(seconds))
        }
    }

    static func minutes(_ seconds: UInt64) -> String {
        seconds < 60 ? "under 1 min" : seconds < 3600 ? "\(seconds / 60) min" : "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }

    // MARK: Formats

    /// `table,row,column,value`, one line per cell, RFC 4180 quoting; first the `facts` as table `report`.
    public var csv: String {
        var lines = ["table,row,column,value"]
        for fact in facts { lines.append(["report", fact.name, "", fact.value].map(CSV.field).joined(separator: ",")) }
        for table in tables {
            let shown = table.shown(threshold: threshold)
            for (row, values) in zip(table.rows, shown) {
                for (column, value) in zip(table.columns, values) {
                    lines.append([table.title, row.label, column, value].map(CSV.field).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"organisation","quarter","previous","threshold","unreadable","facts":{name: value},"tables":[{"title","columns","rows":[{"label","values"}]}]}`.
    public var json: String {
        func string(_ text: String) -> String { Self.jsonString(text) }
        let tableTexts = tables.map { table -> String in
            let rows = zip(table.rows, table.shown(threshold: threshold)).map { row, values in
                "{\"label\":\(string(row.label)),\"values\":[\(values.map(string).joined(separator: ","))]}"
            }
            return "{\"title\":\(string(table.title)),\"columns\":[\(table.columns.map(string).joined(separator: ","))],"
                + "\"rows\":[\(rows.joined(separator: ","))]}"
        }
        return "{\"organisation\":\(string(organisation)),\"quarter\":\(string(current.quarter.description)),"
            + "\"previous\":\(previous.map { string($0.quarter.description) } ?? "null"),\"threshold\":\(threshold),"
            + "\"unreadable\":\(string(suppressed(current.unreadable))),"
            + "\"facts\":{\(facts.map { string($0.name) + ":" + string($0.value) }.joined(separator: ","))},"
            + "\"tables\":[\(tableTexts.joined(separator: ","))]}\n"
    }

    /// A count as the report may show it.
    func suppressed(_ count: Int) -> String { count > 0 && count < threshold ? "<\(threshold)" : String(count) }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// An answer to one of the feedback questions, as the report labels it.
protocol OutcomeAnswer { var label: String { get } }
extension VisitorFeedback.Helpful: OutcomeAnswer {}
extension VisitorFeedback.Safer: OutcomeAnswer {}
extension VisitorFeedback.HelpedMost: OutcomeAnswer {}
