/// The close form a worker fills in when a conversation ends: what it was about, where the visitor
/// was referred, how it ended, and whether they had been in touch before. It travels sealed with
/// the staff key inside `conversation.closed` (docs/READ-MODELS.md, "Wrap-up").
///
/// A value is always valid: at least one topic, no value twice in a list, and an outcome of
/// `referred` only with a referral. Lists are kept in their documented order, so two wrap-ups
/// with the same choices are equal and encode to the same text.
public struct WrapUp: Hashable, Sendable {
    public let topics: [Topic]
    public let referrals: [Referral]
    public let outcome: Outcome
    public let contact: Contact
    /// Age band, gender and work setting, where the visitor chose to say.
    public let demographics: Demographics

    public init(topics: [Topic], referrals: [Referral] = [], outcome: Outcome, contact: Contact,
                demographics: Demographics = .notRecorded) throws(ConversationError) {
        guard !topics.isEmpty else {
            throw ConversationError(.missingValue, "a wrap-up needs at least one topic; the topics are: "
                                    + Topic.names.joined(separator: ", "), field: Topic.field)
        }
        try WrapUp.checkUnique(topics)
        try WrapUp.checkUnique(referrals)
        if outcome == .referred && referrals.isEmpty {
            throw ConversationError(.inconsistent, "the outcome 'referred' needs at least one referral; the referrals are: "
                                    + Referral.names.joined(separator: ", "), field: Referral.field)
        }
        self.topics = topics.sorted { $0.order < $1.order }
        self.referrals = referrals.sorted { $0.order < $1.order }
        self.outcome = outcome
        self.contact = contact
        self.demographics = demographics
    }

    /// Reads the values a person gave on the command line (`--topic`, `--referral`, `--outcome`);
    /// throws naming the first value that is unknown (with the valid ones), repeated, or missing.
    public static func parse(topics: [String], referrals: [String], outcome: String, contact: Contact,
                             age: String? = nil, gender: String? = nil, workSetting: String? = nil) throws(ConversationError) -> WrapUp {
        var parsedTopics: [Topic] = []
        for text in topics { parsedTopics.append(try Topic.parse(text)) }
        var parsedReferrals: [Referral] = []
        for text in referrals { parsedReferrals.append(try Referral.parse(text)) }
        let demographics = Demographics(age: try age.map(AgeBand.parse) ?? .notRecorded,
                                        gender: try gender.map(Gender.parse) ?? .notRecorded,
                                        workSetting: try workSetting.map(WorkSetting.parse) ?? .notRecorded)
        return try WrapUp(topics: parsedTopics, referrals: parsedReferrals, outcome: try Outcome.parse(outcome),
                          contact: contact, demographics: demographics)
    }

    private static func checkUnique<Term: WrapUpTerm>(_ values: [Term]) throws(ConversationError) {
        var seen: Set<Term> = []
        for value in values where !seen.insert(value).inserted {
            throw ConversationError(.duplicateValue, "\(Term.noun) '\(value.name)' is given twice", field: Term.field)
        }
    }
}
