import NetreachCore
import Testing

@Suite("Visitor feedback: the sealed text of feedback.given")
struct VisitorFeedbackTests {
    @Test("answers are written as docs/PROTOCOL.md says and read back; a skipped question is empty")
    func roundTrip() throws {
        let full = try VisitorFeedback(helpful: .aLittle, safer: .notSure, helpedMost: .someoneToTalkTo)
        #expect(full.text == #"{"format":"netreach-feedback-v1","helpful":"a-little","safer":"not-sure","helpedMost":"someone-to-talk-to"}"#)
        #expect(try VisitorFeedback(text: full.text) == full)
        let partial = try VisitorFeedback(helpful: nil, safer: .no, helpedMost: nil)
        #expect(partial.text == #"{"format":"netreach-feedback-v1","helpful":"","safer":"no","helpedMost":""}"#)
        #expect(try VisitorFeedback(text: partial.text) == partial)
        // Field order does not matter to the reader.
        #expect(try VisitorFeedback(text: #"{"helpedMost":"health","safer":"","helpful":"","format":"netreach-feedback-v1"}"#)
            == VisitorFeedback(helpful: nil, safer: nil, helpedMost: .health))
    }

    @Test("feedback with no answer at all is refused, made or read")
    func noAnswer() {
        #expect(throws: ConversationError.self) { try VisitorFeedback(helpful: nil, safer: nil, helpedMost: nil) }
        do {
            _ = try VisitorFeedback(text: #"{"format":"netreach-feedback-v1","helpful":"","safer":"","helpedMost":""}"#)
            Issue.record("empty feedback was read")
        } catch {
            #expect(error.code == .missingValue)
        }
    }

    @Test("bad texts are refused with the field named: unknown answer, unknown or missing field, wrong type, wrong format, not JSON")
    func badTexts() {
        let cases: [(text: String, code: ConversationError.Code, field: String?)] = [
            (#"{"format":"netreach-feedback-v1","helpful":"maybe","safer":"","helpedMost":""}"#, .unknownValue, "helpful"),
            (#"{"format":"netreach-feedback-v1","helpful":"YES","safer":"","helpedMost":""}"#, .unknownValue, "helpful"),
            (#"{"format":"netreach-feedback-v1","helpful":"","safer":"a-little","helpedMost":""}"#, .unknownValue, "safer"),
            (#"{"format":"netreach-feedback-v1","helpful":"","safer":"","helpedMost":"money"}"#, .unknownValue, "helpedMost"),
            (#"{"format":"netreach-feedback-v1","helpful":"yes","safer":""}"#, .malformed, "helpedMost"),
            (#"{"format":"netreach-feedback-v1","helpful":"yes","safer":"","helpedMost":"","name":"x"}"#, .malformed, "name"),
            (#"{"format":"netreach-feedback-v1","helpful":1,"safer":"","helpedMost":""}"#, .malformed, "helpful"),
            (#"{"format":"netreach-feedback-v2","helpful":"yes","safer":"","helpedMost":""}"#, .malformed, "format"),
            ("not json", .malformed, nil),
            ("", .malformed, nil),
        ]
        for (text, code, field) in cases {
            do {
                _ = try VisitorFeedback(text: text)
                Issue.record("read: \(text)")
            } catch {
                #expect(error.code == code, "\(text): \(error)")
                #expect(error.field == field, "\(text): \(error)")
            }
        }
    }
}
