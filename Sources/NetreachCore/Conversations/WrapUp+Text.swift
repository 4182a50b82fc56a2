extension WrapUp {
    /// The first line of the text: the format and its version.
    public static let magic = "netreach-wrap-up-v1"
    /// The same text with the three demographic lines after `contact`; written only when one of them is recorded.
    public static let magicWithDemographics = "netreach-wrap-up-v2"

    /// The text sealed into `conversation.closed`: the magic line, then `topics`, `referrals`,
    /// `outcome` and `contact` lines in that order, each `field: value` with list values joined by
    /// one space (an empty list is the bare `field:`), every line ending in LF. ASCII only.
    public var text: String {
        var lines = [demographics.isRecorded ? WrapUp.magicWithDemographics : WrapUp.magic]
        lines.append(WrapUp.line(Topic.field, topics.map(\.name)))
        lines.append(WrapUp.line(Referral.field, referrals.map(\.name)))
        lines.append(WrapUp.line(Outcome.field, [outcome.name]))
        lines.append(WrapUp.line(Contact.field, [contact.name]))
        if demographics.isRecorded {
            lines.append(WrapUp.line(AgeBand.field, [demographics.age.name]))
            lines.append(WrapUp.line(Gender.field, [demographics.gender.name]))
            lines.append(WrapUp.line(WorkSetting.field, [demographics.workSetting.name]))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Reads a wrap-up text strictly: anything but exactly the layout `text` writes is refused,
    /// with the field at fault (`malformed`, or the value errors of `init`).
    public init(text: String) throws(ConversationError) {
        guard text.hasSuffix("\n") else {
            throw ConversationError(.malformed, "a wrap-up ends with a line feed", field: nil)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the empty piece after the final line feed
        guard lines.first == WrapUp.magic || lines.first == WrapUp.magicWithDemographics else {
            throw ConversationError(.malformed, "a wrap-up starts with the line '\(WrapUp.magic)' or '\(WrapUp.magicWithDemographics)'",
                                    field: nil)
        }
        let withDemographics = lines.first == WrapUp.magicWithDemographics
        let fields = [Topic.field, Referral.field, Outcome.field, Contact.field]
            + (withDemographics ? [AgeBand.field, Gender.field, WorkSetting.field] : [])
        guard lines.count == 1 + fields.count else {
            throw ConversationError(.malformed, "a wrap-up has \(1 + fields.count) lines, got \(lines.count)", field: nil)
        }
        var values: [[String]] = []
        for (field, line) in zip(fields, lines.dropFirst()) { values.append(try WrapUp.values(of: field, in: line)) }
        var topics: [Topic] = []
        for name in values[0] { topics.append(try WrapUp.term(name)) }
        var referrals: [Referral] = []
        for name in values[1] { referrals.append(try WrapUp.term(name)) }
        let outcome: Outcome = try WrapUp.term(try WrapUp.single(values[2], field: Outcome.field))
        let contact: Contact = try WrapUp.term(try WrapUp.single(values[3], field: Contact.field))
        var demographics = Demographics.notRecorded
        if withDemographics {
            demographics = Demographics(age: try WrapUp.term(try WrapUp.single(values[4], field: AgeBand.field)),
                                        gender: try WrapUp.term(try WrapUp.single(values[5], field: Gender.field)),
                                        workSetting: try WrapUp.term(try WrapUp.single(values[6], field: WorkSetting.field)))
            guard demographics.isRecorded else {
                throw ConversationError(.malformed, "a '\(WrapUp.magicWithDemographics)' wrap-up records at least one of age, gender "
                                        + "and work setting; without them it is written as '\(WrapUp.magic)'", field: nil)
            }
        }
        try self.init(topics: topics, referrals: referrals, outcome: outcome, contact: contact, demographics: demographics)
    }

    private static func line(_ field: String, _ names: [String]) -> String {
        names.isEmpty ? field + ":" : field + ": " + names.joined(separator: " ")
    }

    /// The names on a `field: a b c` line; refuses another field, stray spaces and empty names.
    private static func values(of field: String, in line: String) throws(ConversationError) -> [String] {
        if line == field + ":" { return [] }
        let prefix = field + ": "
        guard line.hasPrefix(prefix) else {
            throw ConversationError(.malformed, "expected the line '\(field): …', got '\(line.prefix(60))'", field: field)
        }
        let names = line.dropFirst(prefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard names.allSatisfy({ !$0.isEmpty }) else {
            throw ConversationError(.malformed, "the \(field) line has an empty value or stray spaces", field: field)
        }
        return names.map(String.init)
    }

    private static func single(_ names: [String], field: String) throws(ConversationError) -> String {
        guard names.count == 1 else {
            throw ConversationError(.malformed, "the \(field) line holds exactly one value, got \(names.count)", field: field)
        }
        return names[0]
    }

    /// The value with exactly this name: the text is machine-written, so no leniency here.
    private static func term<Term: WrapUpTerm>(_ name: String) throws(ConversationError) -> Term {
        guard let value = Term(name: name) else {
            throw ConversationError(.unknownValue, "unknown \(Term.noun) '\(name.prefix(60))' in the wrap-up; the \(Term.noun)s are: "
                                    + Term.names.joined(separator: ", "), field: Term.field)
        }
        return value
    }
}
