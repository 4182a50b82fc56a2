import EventLog
import Foundation
import Testing

/// Inputs that `ops/fuzz` found to break a property, kept exactly as found (docs/RELIABILITY.md, "Fuzzing").
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    /// ops/fuzz eventlog, Fuzz/artifacts/eventlog-crash-82144add87343364715184e23755c7de4b5dc3ab: a segment
    /// whose first record has the redacted flag set while its payload bytes are not zero. With its
    /// checksum made right (as the harness does) the decoder accepted it, so the content a redaction
    /// must destroy could sit behind a flag saying it was gone, unnoticed by open and `log verify`.
    static let redactedWithPayload = [UInt8](Data(base64Encoded: "TlJMT0dTRUcBAAAAAAAAAF+T8vC+tbsRhNtvUd7alSMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEY+j6qsAAAABAwMACgAAAAAAAAAGAAAAAAAAAAAAAAAAAAAAAAAAAABo5c+LAQAAAAAAAAAAXu0AAAAAAAAAAQAAAAAAAAAAAAAAAAAAAACuSq+zx9hha3OfBaMNBrTiI2/epxIWgVnzRuij79V9npq4GZceqqoS2Js5rvbSTHzHl+TA6Xy/xnULyOtn+4F8AAAAAAAAAAAAAAAAAAAAAGMtMXRlc3QuZXZlbnQAAAAAAPKq26kAbwAAAAEAAwAKAAAAAAAAAAQAAAABAAAAAAARj6PqqwAAAAEDAwAKAAAAAAAAAAAAAQAAAAAAAAAAaOXPiwEAAAAAAAAAAF7tAAAAAAAAAAIAAAAAAAAAAAAAAAAAAAAAB60k3Y6OFgXHrX3qwDvntBKct5IoAOhKbYHK7k4v4Em6jlM+Tyyu8Z0qQHKEYSf7o/EN1dKb3ZiL81BivAZNRgAAAAAAAAAAAAAAAAAAAABjLTF0ZXN0LmV2ZW50a2VwdJzPMsk=")!)

    @Test("a redacted record whose payload is not all zero is a damaged record", arguments: [false, true])
    func redactedPayloadMustBeZero(rechain: Bool) throws {
        let segment = SegmentDecoding.resealed(Self.redactedWithPayload, rechain: rechain)
        let error = try #require(throws: EventLogError.self) {
            try segment.withUnsafeBytes { try SegmentDecoding.decodeFrame(UnsafeRawBufferPointer(rebasing: $0[64...])) }
        }
        #expect(error.code == .corruptRecord)
        #expect(error.message.contains("a redacted record's payload is not all zero"))
        #expect(throws: EventLogError.self) { try SegmentDecoding.scan(segment, isLast: false) }
    }
}
