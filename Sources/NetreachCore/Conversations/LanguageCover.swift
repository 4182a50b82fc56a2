/// Who on duty speaks a visitor's language (docs/READ-MODELS.md, "Language cover"). On duty means
/// the staff member asking, plus every enrolled, unrevoked member who wrote an event in the window
/// (the last shift); what each speaks is what their enrolment lists. The relay has no notion of
/// presence, so this is what the log can show, and the inbox says so.
public struct LanguageCover: Sendable {
    /// What the cover is for one language.
    public enum Answer: Hashable, Sendable {
        /// These on-duty members list the language (or another form of it: `pt` covers `pt-BR`).
        case spoken(by: [StaffName])
        /// Every on-duty member lists their languages, and none lists this one.
        case nobody
        /// Nobody on duty lists it, but these on-duty members list no languages at all, so it is not known.
        case unknown(undeclared: [StaffName])
    }

    /// The on-duty members, by name.
    public let onDuty: [EnrolledStaff]

    /// `activity` is a fold over the log whose `since` is the start of the window; `me` is the staff
    /// member asking, on duty whatever the log says.
    public init(keyring: Keyring, activity: StaffActivity, me: KeyID) {
        onDuty = keyring.active
            .filter { $0.keyID == me || activity.activity(of: $0.keyID)?.lastActivityAt != nil }
            .sorted { $0.name.text < $1.name.text }
    }

    /// Who on duty speaks `language`.
    public func answer(for language: VisitorLanguage) -> Answer {
        let speakers = onDuty.filter { member in member.languages.contains { $0.covers(language) } }
        if !speakers.isEmpty { return .spoken(by: speakers.map(\.name)) }
        let undeclared = onDuty.filter(\.languages.isEmpty)
        return undeclared.isEmpty ? .nobody : .unknown(undeclared: undeclared.map(\.name))
    }
}
