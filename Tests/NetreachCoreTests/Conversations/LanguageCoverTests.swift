import NetreachCore
import Sodium
import Testing

extension Conversations {
    @Suite("Language cover: who on duty speaks the visitor's language")
    struct LanguageCoverTests {
        /// ana speaks Romanian and English, ben Portuguese, cy's enrolment lists no languages.
        static let ana = Member("ana", seed: 21), ben = Member("ben", seed: 22), cy = Member("cy", seed: 23)

        static let keyring: Keyring = {
            let spoken: [String: [String]] = ["ana": ["ro", "en"], "ben": ["pt"], "cy": []]
            let files = [ana, ben, cy].map { member in
                KeyFile(label: member.name, bytes: EnrolmentCertificate.issue(
                    enrolling: member.certificate.staffPublicKey, role: .worker, issued: TestKeys.issued,
                    languages: spoken[member.name]!.map { try! VisitorLanguage($0) }, organisationKey: TestKeys.organisation).fileBytes)
            }
            return try! Keyring(organisation: TestKeys.orgPublic, certificates: files, revocations: [])
        }()

        static func language(_ tag: String) -> VisitorLanguage { try! VisitorLanguage(tag) }

        @Test("alone on duty: your languages are spoken, any other is spoken by nobody on duty")
        func alone() throws {
            let cover = LanguageCover(keyring: Self.keyring, activity: StaffActivity(), me: Self.ana.keyID)
            #expect(cover.onDuty.map(\.name.text) == ["ana"])
            #expect(cover.answer(for: Self.language("ro")) == .spoken(by: [try StaffName("ana")]))
            #expect(cover.answer(for: Self.language("RO")) == .spoken(by: [try StaffName("ana")]))
            #expect(cover.answer(for: Self.language("bg")) == .nobody)
            #expect(cover.answer(for: Self.language("pt-BR")) == .nobody)
        }

        @Test("a colleague who acted in the window is on duty, and pt covers pt-BR; one who acted before it is not")
        func colleague() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Self.ana, Self.ben])
            let early = try script.says(Self.ben, "earlier in the day")
            var before = StaffActivity(since: early.timeMilliseconds + 1)
            before.apply(log.events)
            #expect(LanguageCover(keyring: Self.keyring, activity: before, me: Self.ana.keyID).answer(for: Self.language("pt-BR")) == .nobody)

            let now = try script.says(Self.ben, "olá")
            var activity = StaffActivity(since: now.timeMilliseconds)
            activity.apply(log.events)
            let cover = LanguageCover(keyring: Self.keyring, activity: activity, me: Self.ana.keyID)
            #expect(cover.onDuty.map(\.name.text) == ["ana", "ben"])
            #expect(cover.answer(for: Self.language("pt-BR")) == .spoken(by: [try StaffName("ben")]))
            #expect(cover.answer(for: Self.language("bg")) == .nobody)
        }

        @Test("with someone on duty whose enrolment lists no languages, a language nobody lists is not known, not 'nobody'")
        func undeclared() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Self.ana, Self.cy])
            try script.claim(by: Self.cy)
            var activity = StaffActivity()
            activity.apply(log.events)
            let cover = LanguageCover(keyring: Self.keyring, activity: activity, me: Self.ana.keyID)
            #expect(cover.answer(for: Self.language("bg")) == .unknown(undeclared: [try StaffName("cy")]))
            #expect(cover.answer(for: Self.language("ro")) == .spoken(by: [try StaffName("ana")]))
        }

        @Test("a visitor's own events do not put anyone on duty, and a key the keyring does not hold is never on duty")
        func visitorsAndStrangers() throws {
            let log = TestLog()
            let script = try Script(log: log, wrappedTo: [Self.ana])
            try script.visitorSays("hello")
            try script.says(Cast.mallory, "I am not enrolled")
            var activity = StaffActivity()
            activity.apply(log.events)
            let cover = LanguageCover(keyring: Self.keyring, activity: activity, me: Self.ben.keyID)
            #expect(cover.onDuty.map(\.name.text) == ["ben"])
        }
    }
}
