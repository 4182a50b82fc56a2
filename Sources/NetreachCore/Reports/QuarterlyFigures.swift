import Sodium

/// The figures of one quarter's monitoring report (docs/READ-MODELS.md, "Quarterly report"),
/// computed on a supervisor's machine from what they can decrypt. Counts are exact here; small
/// ones are suppressed only when the report is rendered (`ReportTable`).
public struct QuarterlyFigures: Hashable, Sendable {
    public let quarter: Quarter
    /// Conversations closed with a wrap-up, by month of the close: what funders count as contacts.
    public internal(set) var contactsByMonth = [0, 0, 0]
    public internal(set) var newContacts = 0
    public internal(set) var repeatContacts = 0
    /// Distinct visitors among the contacts (a conversation is one visitor's).
    public internal(set) var uniqueVisitors = 0
    public internal(set) var openedByMonth = [0, 0, 0]
    /// Seconds from opening to the first staff message, for conversations opened in the quarter.
    public internal(set) var firstReplySeconds: [UInt64] = []
    /// Seconds from opening to the first claim, for conversations opened in the quarter.
    public internal(set) var waitingSeconds: [UInt64] = []
    public internal(set) var topics: [WrapUp.Topic: Int] = [:]
    public internal(set) var referrals: [WrapUp.Referral: Int] = [:]
    /// Each contact's age band, gender and work setting as recorded at wrap-up (`not-recorded` included).
    public internal(set) var ages: [WrapUp.AgeBand: Int] = [:]
    public internal(set) var genders: [WrapUp.Gender: Int] = [:]
    public internal(set) var workSettings: [WrapUp.WorkSetting: Int] = [:]
    /// Contacts by the language sealed in their conversation's opening; those without a readable one are `contactsLanguageNotKnown`.
    public internal(set) var contactsByLanguage: [VisitorLanguage: Int] = [:]
    public internal(set) var contactsLanguageNotKnown = 0
    /// Conversations opened in the quarter at a time the schedule says nobody was on duty; nil without a schedule.
    public internal(set) var openedOffDuty: Int?
    public internal(set) var incidents = 0
    public internal(set) var incidentsByHarm: [IncidentReport.Harm: Int] = [:]
    /// Each incident reported in the quarter, at the consent it had at the quarter's end.
    public internal(set) var incidentsByConsent: [ConsentLevel: Int] = [:]
    public internal(set) var consentChanges = 0
    public internal(set) var policeShares = 0
    public internal(set) var alertsPublished = 0
    /// Conversations whose visitor gave feedback in the quarter (the last they gave counts), and their answers;
    /// a question left blank counts in none of its answers (docs/WEB.md, "Feedback").
    public internal(set) var feedbackGiven = 0
    public internal(set) var helpful: [VisitorFeedback.Helpful: Int] = [:]
    public internal(set) var safer: [VisitorFeedback.Safer: Int] = [:]
    public internal(set) var helpedMost: [VisitorFeedback.HelpedMost: Int] = [:]
    /// Wrap-ups, reports and feedback in the quarter that could not be read: counted here, never guessed at.
    public internal(set) var unreadable = 0

    public var contacts: Int { contactsByMonth.reduce(0, +) }

    init(quarter: Quarter) { self.quarter = quarter }

    /// Builds the figures from every event the supervisor's replica holds; `keys` gives each
    /// conversation's keys (ConversationKeys.resolve for the supervisor).
    /// `onDuty`, when given, says whether someone was on duty at a time (the deployment's schedule).
    public static func build(quarter: Quarter, events: [StoredEvent],
                             keys: (ConversationID, [StoredEvent]) -> ConversationKeys,
                             onDuty: ((UInt64) -> Bool)? = nil) -> QuarterlyFigures {
        var figures = QuarterlyFigures(quarter: quarter)
        if onDuty != nil { figures.openedOffDuty = 0 }
        var byConversation: [ConversationID: [StoredEvent]] = [:]
        for stored in events {
            if stored.kind == .alertPublished {
                if stored.conversation == .alertFeed && quarter.contains(stored.timeMilliseconds) { figures.alertsPublished += 1 }
                continue
            }
            byConversation[stored.conversation, default: []].append(stored)
        }
        var visitors = Set<ConversationID>()
        for (conversation, events) in byConversation {
            let events = events.sorted { $0.position < $1.position }
            guard let opened = events.first(where: { $0.kind == .conversationOpened && $0.isByVisitor }) else { continue }
            let conversationKeys = keys(conversation, events)
            let language = ConversationLanguage.read(opened, keys: conversationKeys).language
            if let month = quarter.monthIndex(of: opened.timeMilliseconds) {
                figures.openedByMonth[month] += 1
                if let onDuty, !onDuty(opened.timeMilliseconds) { figures.openedOffDuty! += 1 }
                if let reply = events.first(where: { $0.kind == .messagePosted && !$0.isByVisitor }) {
                    figures.firstReplySeconds.append((reply.timeMilliseconds - min(reply.timeMilliseconds, opened.timeMilliseconds)) / 1000)
                }
                if let claim = events.first(where: { $0.kind == .conversationClaimed }) {
                    figures.waitingSeconds.append((claim.timeMilliseconds - min(claim.timeMilliseconds, opened.timeMilliseconds)) / 1000)
                }
            }
            for close in events where close.kind == .conversationClosed {
                guard let month = quarter.monthIndex(of: close.timeMilliseconds) else { continue }
                guard let text = ConversationKeys.open(close.event.content, with: conversationKeys.staffKeys),
                      let wrapUp = try? WrapUp(text: text) else {
                    figures.unreadable += 1
                    continue
                }
                figures.contactsByMonth[month] += 1
                if wrapUp.contact == .new { figures.newContacts += 1 } else { figures.repeatContacts += 1 }
                for topic in wrapUp.topics { figures.topics[topic, default: 0] += 1 }
                for referral in wrapUp.referrals { figures.referrals[referral, default: 0] += 1 }
                figures.ages[wrapUp.demographics.age, default: 0] += 1
                figures.genders[wrapUp.demographics.gender, default: 0] += 1
                figures.workSettings[wrapUp.demographics.workSetting, default: 0] += 1
                if let language { figures.contactsByLanguage[language, default: 0] += 1 } else { figures.contactsLanguageNotKnown += 1 }
                visitors.insert(conversation)
            }
            if let given = events.last(where: { $0.kind == .feedbackGiven && $0.isByVisitor && quarter.contains($0.timeMilliseconds) }) {
                figures.addFeedback(given, keys: conversationKeys.conversationKeys)
            }
            if events.contains(where: { $0.kind == .incidentReported || $0.kind == .consentChanged || $0.kind == .incidentShared }) {
                figures.addIncidents(Incidents.read(events: events, keys: conversationKeys), events: events)
            }
        }
        figures.uniqueVisitors = visitors.count
        figures.firstReplySeconds.sort()
        figures.waitingSeconds.sort()
        return figures
    }

    private mutating func addFeedback(_ given: StoredEvent, keys: [SecureBytes]) {
        guard let text = ConversationKeys.open(given.event.content, with: keys), let feedback = try? VisitorFeedback(text: text) else {
            unreadable += 1
            return
        }
        feedbackGiven += 1
        if let answer = feedback.helpful { helpful[answer, default: 0] += 1 }
        if let answer = feedback.safer { safer[answer, default: 0] += 1 }
        if let answer = feedback.helpedMost { helpedMost[answer, default: 0] += 1 }
    }

    private mutating func addIncidents(_ reading: Incidents.Reading, events: [StoredEvent]) {
        let readable = Set(reading.records.map(\.position))
        unreadable += events.filter { $0.kind == .incidentReported && quarter.contains($0.timeMilliseconds) && !readable.contains($0.position) }.count
        for record in reading.records {
            for step in record.consentHistory.dropFirst() where quarter.contains(step.timeMilliseconds) { consentChanges += 1 }
            for sharing in record.sharings where sharing.record.recipient == .police && quarter.contains(sharing.timeMilliseconds) {
                policeShares += 1
            }
            guard quarter.contains(record.timeMilliseconds) else { continue }
            incidents += 1
            for harm in record.report.harms { incidentsByHarm[harm, default: 0] += 1 }
            let atEnd = record.consentHistory.last { $0.timeMilliseconds < quarter.end }?.level ?? record.report.consent
            incidentsByConsent[atEnd, default: 0] += 1
        }
    }

    /// The value at `fraction` (0.5 median, 0.9 p90) of sorted `values`, nearest rank.
    public static func percentile(_ values: [UInt64], _ fraction: Double) -> UInt64? {
        guard !values.isEmpty else { return nil }
        let rank = Int((fraction * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }
}
