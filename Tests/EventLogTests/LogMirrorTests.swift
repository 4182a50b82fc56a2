import EventLog
import Foundation
import Testing

/// `LogMirror`: the verbatim copy of another log that a supervisor keeps (docs/LOG-FORMAT.md,
/// "A supervisor's copy of the log"). It takes only records that continue it.
@Suite("LogMirror: a chain-verified verbatim copy of another log")
struct LogMirrorTests {
    /// A log of `count` events on three streams, one of them redacted; its records and head.
    static func source(_ directory: TemporaryDirectory, count: Int = 12) async throws -> (records: [RecordedEvent], head: LogHead) {
        try await withStore(directory) { store in
            for n in 0..<count {
                _ = try await store.append(to: try StreamName("s\(n % 3)"), expectedVersion: .any,
                                           events: [event("event \(n)", metadata: [UInt8(n)])])
            }
            _ = try await store.redact(position: 4)
            return (try await store.read(from: 0, maxCount: 1000), store.currentHead())
        }
    }

    static func altered(_ r: RecordedEvent, time: UInt64? = nil, payload: [UInt8]? = nil, chain: Digest32? = nil) -> RecordedEvent {
        RecordedEvent(position: r.position, stream: r.stream, streamVersion: r.streamVersion, id: r.id, type: r.type, author: r.author,
                      timeMilliseconds: time ?? r.timeMilliseconds, metadata: r.metadata, payload: payload ?? r.payload,
                      payloadLength: r.payloadLength, payloadHash: r.payloadHash, chain: chain ?? r.chain, isRedacted: r.isRedacted)
    }

    @Test("the copy verifies to the source's head, reads back the same records (the redacted one redacted), and reopens")
    func copies() async throws {
        let original = TemporaryDirectory(), copy = TemporaryDirectory()
        let (records, head) = try await Self.source(original)
        let mirror = try LogMirror(directory: copy.path, segmentSize: 1024)
        #expect(try mirror.append(Array(records.prefix(7)), logID: head.logID) == 7)
        #expect(try mirror.append(records, logID: head.logID) == records.count - 7)
        #expect(mirror.head == head)
        mirror.close()
        #expect(copy.segmentNames().count > 1, "a small segment size makes the copy roll")
        let verified = try LogVerifier.verify(directory: copy.path)
        #expect(verified.head == head && verified.redactedEvents == 1)
        let reopened = try LogMirror(directory: copy.path, segmentSize: 1024)
        #expect(reopened.head == head)
        reopened.close()
        let read = try await withStore(copy) { store in try await store.read(from: 0, maxCount: 1000) }
        #expect(read == records)
    }

    @Test("a record whose chained field was changed is refused as brokenChain, and nothing is written")
    func changedField() async throws {
        let original = TemporaryDirectory(), copy = TemporaryDirectory()
        let (records, head) = try await Self.source(original)
        let mirror = try LogMirror(directory: copy.path)
        defer { mirror.close() }
        try mirror.append(Array(records.prefix(3)), logID: head.logID)
        var forged = Array(records[3...])
        forged[2] = Self.altered(forged[2], time: 1)
        #expect(throws: EventLogError.self) { try mirror.append(forged, logID: head.logID) }
        do { try mirror.append(forged, logID: head.logID) } catch { #expect(error.code == .brokenChain && error.position == 5) }
        #expect(mirror.head?.count == 3)
    }

    @Test("a payload that does not match its hash, a gap, another log and a different history are each refused")
    func refusals() async throws {
        let original = TemporaryDirectory(), copy = TemporaryDirectory()
        let (records, head) = try await Self.source(original)
        let mirror = try LogMirror(directory: copy.path)
        defer { mirror.close() }
        try mirror.append(Array(records.prefix(2)), logID: head.logID)
        func code(_ records: [RecordedEvent], logID: LogID = head.logID) -> EventLogError.Code? {
            do { try mirror.append(records, logID: logID); return nil } catch { return error.code }
        }
        #expect(code([Self.altered(records[2], payload: Array("another payload".utf8))]) == .corruptRecord)
        #expect(code([records[3]]) == .positionGap)
        #expect(code([records[2]], logID: .random()) == .checkpointMismatch)
        #expect(code([Self.altered(records[1], chain: .zero), records[2]]) == .checkpointMismatch)
        #expect(mirror.head?.count == 2)
    }

    @Test("a torn tail of the copy's own (a crash during its append) is cut when it is opened again")
    func tornTail() async throws {
        let original = TemporaryDirectory(), copy = TemporaryDirectory()
        let (records, head) = try await Self.source(original)
        let mirror = try LogMirror(directory: copy.path)
        try mirror.append(records, logID: head.logID)
        mirror.close()
        let name = copy.segmentNames()[0]
        copy.write(copy.bytes(of: name) + Array(copy.bytes(of: name)[64..<140]), to: name)
        let reopened = try LogMirror(directory: copy.path)
        #expect(reopened.head == head)
        reopened.close()
        #expect(try LogVerifier.verify(directory: copy.path).incompleteTailBytes == 0)
    }
}
