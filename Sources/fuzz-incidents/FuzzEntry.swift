// libFuzzer harness for the incident documents' text (docs/RELIABILITY.md, "Fuzzing"; build and run with ops/fuzz).
// A plain `swift build` compiles this file into an executable that does nothing.
import NetreachCore

/// The input, as UTF-8 text, is read as every kind of incident document. A document that is read
/// writes out (`.text`) as text that reads back equal and writes out the same again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIncidents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if let report = try? IncidentReport(text: text) {
        let again = try? IncidentReport(text: report.text)
        precondition(again == report && again?.text == report.text, "an incident report does not round-trip")
    }
    if let alert = try? SafetyAlert(text: text) {
        let again = try? SafetyAlert(text: alert.text)
        precondition(again == alert && again?.text == alert.text, "a safety alert does not round-trip")
    }
    if let alert = try? SafetyAlert(content: bytes) {
        precondition((try? SafetyAlert(text: alert.text)) == alert, "a safety alert read from bytes does not round-trip")
    }
    if let change = try? ConsentChange(text: text) {
        let again = try? ConsentChange(text: change.text)
        precondition(again == change && again?.text == change.text, "a consent change does not round-trip")
    }
    if let shared = try? IncidentShared(text: text) {
        let again = try? IncidentShared(text: shared.text)
        precondition(again == shared && again?.text == shared.text, "a sharing record does not round-trip")
    }
    if let draft = try? AlertDraft(text: text) {
        let again = try? AlertDraft(text: draft.text)
        precondition(again == draft && again?.text == draft.text, "an alert draft does not round-trip")
    }
    return 0
}
