import Foundation
import NetreachCore
import Testing

extension Conversations {
    @Suite("Wrap-up")
    struct WrapUpTests {
        @Test("a wrap-up encodes to its documented text and reads back equal")
        func roundTrip() throws {
            let wrapUp = try WrapUp(topics: [.violence, .sexualHealth], referrals: [.advocacyISVA, .gp], outcome: .referred,
                                    contact: .repeat)
            let expected = """
                netreach-wrap-up-v1
                topics: violence sexual-health
                referrals: gp advocacy-isva
                outcome: referred
                contact: repeat

                """
            #expect(wrapUp.text == expected)
            #expect(try WrapUp(text: expected) == wrapUp)
        }

        @Test("an empty referral list is the bare field and reads back")
        func noReferrals() throws {
            let wrapUp = try WrapUp(topics: [.other], outcome: .visitorLeft, contact: .new)
            #expect(wrapUp.text.contains("\nreferrals:\n"))
            #expect(try WrapUp(text: wrapUp.text) == wrapUp)
        }

        @Test("the same choices in another order are the same wrap-up and the same text")
        func canonicalOrder() throws {
            let one = try WrapUp(topics: [.money, .housing, .violence], referrals: [.moneyAdvice, .housingService],
                                 outcome: .supportGiven, contact: .new)
            let other = try WrapUp(topics: [.violence, .money, .housing], referrals: [.housingService, .moneyAdvice],
                                   outcome: .supportGiven, contact: .new)
            #expect(one == other)
            #expect(one.text == other.text)
            #expect(one.topics == [.violence, .housing, .money])
        }

        @Test("command-line values are read regardless of case, spaces, slashes and underscores")
        func lenientCommandLine() throws {
            let wrapUp = try WrapUp.parse(topics: ["Drugs/Alcohol", " sexual health ", "SAFETY_ADVICE"],
                                          referrals: ["drug-alcohol-service"], outcome: "Safety plan made", contact: .new)
            #expect(wrapUp.topics == [.sexualHealth, .drugsAlcohol, .safetyAdvice])
            #expect(wrapUp.referrals == [.drugAlcoholService])
            #expect(wrapUp.outcome == .safetyPlanMade)
        }

        @Test("an unknown topic is named and the valid topics are listed")
        func unknownTopic() throws {
            let error = try #require(throws: ConversationError.self) {
                try WrapUp.parse(topics: ["housing", "housng"], referrals: [], outcome: "support-given", contact: .new)
            }
            #expect(error.code == .unknownValue)
            #expect(error.field == "topics")
            #expect(error.message.contains("'housng'"))
            for name in WrapUp.Topic.names { #expect(error.message.contains(name)) }
        }

        @Test("an unknown referral or outcome is named with its list", arguments: [
            (["gp", "witch-doctor"], "support-given", "referrals", "'witch-doctor'"),
            (["gp"], "sorted", "outcome", "'sorted'"),
        ])
        func unknownOther(referrals: [String], outcome: String, field: String, named: String) throws {
            let error = try #require(throws: ConversationError.self) {
                try WrapUp.parse(topics: ["legal"], referrals: referrals, outcome: outcome, contact: .repeat)
            }
            #expect(error.code == .unknownValue)
            #expect(error.field == field)
            #expect(error.message.contains(named))
            let list = field == "outcome" ? WrapUp.Outcome.names : WrapUp.Referral.names
            #expect(error.message.contains(list.joined(separator: ", ")))
        }

        @Test("a topic given twice is refused, also when spelled differently")
        func duplicateTopic() throws {
            let error = try #require(throws: ConversationError.self) {
                try WrapUp.parse(topics: ["housing", "Housing"], referrals: [], outcome: "other", contact: .new)
            }
            #expect(error.code == .duplicateValue)
            #expect(error.field == "topics")
            #expect(error.message.contains("'housing'"))
        }

        @Test("a referral given twice is refused")
        func duplicateReferral() throws {
            let error = try #require(throws: ConversationError.self) {
                try WrapUp(topics: [.legal], referrals: [.legalAdvice, .legalAdvice], outcome: .referred, contact: .new)
            }
            #expect(error.code == .duplicateValue)
            #expect(error.field == "referrals")
        }

        @Test("a wrap-up without a topic is refused with the list of topics")
        func emptyTopics() throws {
            let error = try #require(throws: ConversationError.self) {
                try WrapUp.parse(topics: [], referrals: [], outcome: "other", contact: .new)
            }
            #expect(error.code == .missingValue)
            #expect(error.field == "topics")
            #expect(error.message.contains("violence"))
        }

        @Test("the outcome 'referred' needs a referral; other outcomes do not")
        func referredNeedsReferral() throws {
            let error = try #require(throws: ConversationError.self) {
                try WrapUp(topics: [.housing], outcome: .referred, contact: .new)
            }
            #expect(error.code == .inconsistent)
            #expect(error.field == "referrals")
            #expect(try WrapUp(topics: [.housing], outcome: .noFurtherAction, contact: .new).referrals.isEmpty)
        }

        static let good = sampleWrapUp.text

        /// Texts that break the format, the code refused with and the field named.
        static let malformedTexts: [(String, ConversationError.Code, String?)] = [
            ("", .malformed, nil),
            (String(good.dropLast()), .malformed, nil),
            (good.replacingOccurrences(of: "netreach-wrap-up-v1", with: "netreach-wrap-up-v2"), .malformed, nil),
            (good.replacingOccurrences(of: "topics: ", with: "topic: "), .malformed, "topics"),
            (good.replacingOccurrences(of: "topics: housing safety-advice", with: "topics: housing  safety-advice"),
             .malformed, "topics"),
            (good.replacingOccurrences(of: "topics: housing safety-advice", with: "topics:"), .missingValue, "topics"),
            (good.replacingOccurrences(of: "topics: housing", with: "topics: housin"), .unknownValue, "topics"),
            (good.replacingOccurrences(of: "topics: housing safety-advice", with: "topics: housing housing"),
             .duplicateValue, "topics"),
            (good.replacingOccurrences(of: "referrals: housing-service", with: "referrals: housing-service "),
             .malformed, "referrals"),
            (good.replacingOccurrences(of: "outcome: referred", with: "outcome: referred other"), .malformed, "outcome"),
            (good.replacingOccurrences(of: "outcome: referred", with: "outcome:"), .malformed, "outcome"),
            (good.replacingOccurrences(of: "contact: new", with: "contact: old"), .unknownValue, "contact"),
            (good.replacingOccurrences(of: "outcome: referred\ncontact: new", with: "contact: new\noutcome: referred"),
             .malformed, "outcome"),
            (good + "extra: yes\n", .malformed, nil),
            (good.replacingOccurrences(of: "\n", with: "\r\n"), .malformed, nil),
        ]

        @Test("malformed wrap-up texts are refused naming the field", arguments: malformedTexts)
        func malformed(text: String, code: ConversationError.Code, field: String?) throws {
            let error = try #require(throws: ConversationError.self) { try WrapUp(text: text) }
            #expect(error.code == code)
            #expect(error.field == field)
        }

        @Test("every list's names are unique, lower-case words joined by '-', and documented")
        func listsAreDocumented() throws {
            let docs = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../../docs/READ-MODELS.md").standardized, encoding: .utf8)
            let all = WrapUp.Topic.names + WrapUp.Referral.names + WrapUp.Outcome.names + WrapUp.Contact.names
            for name in all {
                #expect(name.wholeMatch(of: /[a-z]+(-[a-z]+)*/) != nil)
                #expect(docs.contains("`\(name)`"), "\(name) is not in docs/READ-MODELS.md")
            }
            for names in [WrapUp.Topic.names, WrapUp.Referral.names, WrapUp.Outcome.names] {
                #expect(Set(names).count == names.count)
            }
            #expect(WrapUp.Topic(name: "drugs-alcohol") == .drugsAlcohol)
            #expect(WrapUp.Topic(name: "Drugs-Alcohol") == nil)
        }

        @Test("demographics, when recorded, make a v2 text that reads back; none recorded stays v1")
        func demographics() throws {
            let wrapUp = try WrapUp.parse(topics: ["housing"], referrals: [], outcome: "support-given", contact: .new,
                                          age: "25-34", gender: "Non Binary", workSetting: "online only")
            #expect(wrapUp.demographics == WrapUp.Demographics(age: .age25to34, gender: .nonBinary, workSetting: .onlineOnly))
            #expect(wrapUp.text == """
                netreach-wrap-up-v2
                topics: housing
                referrals:
                outcome: support-given
                contact: new
                age: 25-34
                gender: non-binary
                work-setting: online-only

                """)
            #expect(try WrapUp(text: wrapUp.text) == wrapUp)
            let partial = try WrapUp.parse(topics: ["housing"], referrals: [], outcome: "support-given", contact: .new, gender: "woman")
            #expect(try WrapUp(text: partial.text).demographics == WrapUp.Demographics(gender: .woman))
            #expect(try WrapUp.parse(topics: ["housing"], referrals: [], outcome: "support-given", contact: .new).text.hasPrefix("netreach-wrap-up-v1\n"))
            // v2 with nothing recorded, a v1 text with the extra lines, and an unknown value are refused.
            let empty = wrapUp.text.replacingOccurrences(of: "25-34", with: "not-recorded").replacingOccurrences(of: "non-binary", with: "not-recorded")
                .replacingOccurrences(of: "online-only", with: "not-recorded")
            #expect(throws: ConversationError.self) { try WrapUp(text: empty) }
            #expect(throws: ConversationError.self) { try WrapUp(text: wrapUp.text.replacingOccurrences(of: "-v2", with: "-v1")) }
            #expect(throws: ConversationError.self) { try WrapUp.parse(topics: ["housing"], referrals: [], outcome: "support-given", contact: .new, age: "old") }
        }
    }
}
