import EventLog
import Foundation
import Testing

/// The event log fuzz seeds (`Fuzz/seeds/eventlog/`) are segments the real writer made. Running this
/// file's tests with NETREACH_WRITE_FUZZ_SEEDS=DIR writes them anew into DIR.
@Suite("event log fuzz seeds")
struct FuzzSeedTests {
    static let seedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/seeds/eventlog").standardized.path

    @Test("every committed seed is a whole segment that scans cleanly and re-encodes to its bytes")
    func seedsScan() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.seedDirectory).sorted()
        #expect(names.count >= 3)
        for name in names {
            let bytes = [UInt8](try #require(FileManager.default.contents(atPath: Self.seedDirectory + "/" + name)))
            let scanned = try SegmentDecoding.scan(bytes, isLast: true)
            #expect(scanned.endsCleanly && scanned.end == bytes.count && !scanned.records.isEmpty, "\(name)")
            for (event, offset) in zip(scanned.records, scanned.offsets) {
                let frame = try bytes.withUnsafeBytes { try SegmentDecoding.decodeFrame(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                #expect(SegmentDecoding.encodeFrame(frame.event, batchContinues: frame.batchContinues, group: frame.group)
                        == Array(bytes[offset..<(offset + frame.frameCount)]))
                #expect(frame.event == event)
            }
        }
    }

    @Test("the writer's segments are what the seeds were made from", .enabled(if: ProcessInfo.processInfo.environment["NETREACH_WRITE_FUZZ_SEEDS"] != nil))
    func writeSeeds() async throws {
        let out = try #require(ProcessInfo.processInfo.environment["NETREACH_WRITE_FUZZ_SEEDS"])
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let id = { (n: UInt64) in EventID(high: 0x5EED, low: n) }
        // One event; a batch of three on two streams with metadata; a redacted payload.
        let logs: [(String, [(StreamName, [ProposedEvent])], redact: UInt64?)] = [
            ("one-event.seg", [("c-1", [event("hello", id: id(1))])], nil),
            ("batches.seg", [("c-1", [event("a", id: id(1))]),
                             ("c-2", [event("b", id: id(2), metadata: [1, 2, 3]), event("c", type: "t.other", id: id(3)),
                                      event("", id: id(4))]),
                             ("c-1", [event("d", id: id(5))])], nil),
            ("redacted.seg", [("c-1", [event("secret", id: id(1)), event("kept", id: id(2))])], 0),
        ]
        for (name, appends, redact) in logs {
            let directory = TemporaryDirectory()
            try await withStore(directory) { store in
                for (stream, events) in appends { _ = try await store.append(to: stream, expectedVersion: .any, events: events) }
                if let redact { _ = try await store.redact(position: redact) }
            }
            let segment = try #require(directory.segmentNames().first)
            let bytes = directory.bytes(of: segment)
            let end = try SegmentDecoding.scan(bytes, isLast: true).end
            try Data(bytes[0..<end]).write(to: URL(fileURLWithPath: out + "/" + name))
        }
    }
}
