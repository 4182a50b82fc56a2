import EventLog
import Testing

/// The documented outcome of each kind of damage (docs/LOG-FORMAT.md, "Batches and the torn tail").
@Suite("EventLog: corruption catalogue")
struct CorruptionTests {
    /// Offsets of each record frame in a segment file, and each frame's length.
    static func frames(in bytes: [UInt8]) -> [(offset: Int, count: Int)] {
        var frames: [(Int, Int)] = []
        var offset = 64
        while offset + 4 <= bytes.count {
            let length = bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
            guard length > 0, offset + length + 8 <= bytes.count else { break }
            frames.append((offset, length + 8))
            offset += length + 8
        }
        return frames
    }

    /// A log of `count` single-event batches in one segment, without an index snapshot, so that
    /// opening it scans every record (the snapshot path has its own tests).
    static func makeLog(_ dir: TemporaryDirectory, count: Int = 10) async throws -> LogHead {
        let head = try await withStore(dir) { store async throws in
            for n in 0..<count { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("event number \(n)")]) }
            return try await store.head()
        }
        try FileManagerSupport.remove(dir.file("index.snapshot"))
        return head
    }

    static func openError(_ dir: TemporaryDirectory) -> EventLogError? {
        do {
            _ = try FileEventStore(directory: dir.path)
            return nil
        } catch {
            return error
        }
    }

    enum Field: String, CaseIterable { case header = "header field", payload, checksum, chain = "chain field" }

    @Test("a flipped bit in a record before the tail stops the store and names the position", arguments: Field.allCases)
    func bitFlipBeforeTail(field: Field) async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let frame = Self.frames(in: bytes)[4]
        let at: Int = switch field {
        case .header: frame.offset + 4 + 33       // inside the time field
        case .payload: frame.offset + frame.count - 6
        case .checksum: frame.offset + frame.count - 2
        case .chain: frame.offset + 4 + 110
        }
        bytes[at] ^= 0x10
        dir.write(bytes, to: name)
        let error = try #require(Self.openError(dir))
        #expect(error.code == .corruptRecord)
        #expect(error.position == 4)
        #expect(error.segment == name)
        #expect(throws: EventLogError.self) { try LogVerifier.verify(directory: dir.path) }
        #expect(dir.bytes(of: name) == bytes, "nothing may be truncated")
    }

    @Test("a chain field rewritten with a valid checksum is a broken chain")
    func forgedChain() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let frame = Self.frames(in: bytes)[6]
        bytes[frame.offset + 4 + 104] ^= 0x01
        Self.reseal(&bytes, frame)
        dir.write(bytes, to: name)
        let error = try #require(Self.openError(dir))
        #expect(error.code == .brokenChain && error.position == 6)
    }

    @Test("a payload rewritten with a valid checksum opens, but verify finds it")
    func forgedPayload() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let frame = Self.frames(in: bytes)[2]
        bytes[frame.offset + frame.count - 5] ^= 0x01
        Self.reseal(&bytes, frame)
        dir.write(bytes, to: name)
        let error = #expect(throws: EventLogError.self) { try LogVerifier.verify(directory: dir.path) }
        #expect(error?.code == .corruptRecord && error?.position == 2)
    }

    @Test("a torn tail at every byte offset of the last record is cut, reported, and the log goes on")
    func tornTailEveryOffset() async throws {
        let dir = TemporaryDirectory()
        let head = try await Self.makeLog(dir, count: 5)
        let name = dir.segmentNames()[0]
        let whole = dir.bytes(of: name)
        let last = Self.frames(in: whole)[4]
        for cut in 1..<last.count {
            dir.write(Array(whole.prefix(last.offset + cut)), to: name)
            let store = try FileEventStore(directory: dir.path)
            #expect(store.recoveryReport.tornBytesCut == cut, "cut \(cut)")
            #expect(store.currentHead().count == 4, "cut \(cut)")
            await store.close()
            #expect(dir.bytes(of: name).count == last.offset, "the tail is truncated back to the last whole record")
        }
        dir.write(whole, to: name)
        try await withStore(dir) { store async throws in
            #expect(try await store.head() == head)
            _ = try await store.append(to: "s", expectedVersion: .exact(4), events: [event("after recovery")])
        }
    }

    @Test("a batch cut in its last record is removed whole, from the stream and id indexes too")
    func tornBatch() async throws {
        let dir = TemporaryDirectory()
        let cutID = EventID.random()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("alone")])
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("b1", id: cutID), event("b2"), event("b3")])
        }
        // A power cut during the batch's write leaves no snapshot that counts it.
        try FileManagerSupport.remove(dir.file("index.snapshot"))
        let name = dir.segmentNames()[0]
        let bytes = dir.bytes(of: name)
        let frames = Self.frames(in: bytes)
        dir.write(Array(bytes.prefix(frames[3].offset + 10)), to: name)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.tornRecordsCut == 2)
            #expect(try await store.head().count == 1)
            #expect(try await store.read(from: 0, maxCount: 10).map(text) == ["alone"])
            // The cut records are gone from the indexes: the stream is at version 0, and the cut
            // event's id is new again (a client retrying it stores it).
            let after = try await store.append(to: "s", expectedVersion: .exact(0), events: [event("b1", id: cutID)])
            #expect(after.firstPosition == 1 && after.streamVersion == 1 && !after.wasAlreadyPresent)
        }
        try await withStore(dir) { store async throws in
            #expect(try await store.head().count == 2)
        }
    }

    @Test("zeros after the last whole batch are unused space: kept, not reported as torn, and reused")
    func zeroFilledTail() async throws {
        let dir = TemporaryDirectory()
        let head = try await Self.makeLog(dir)
        let name = dir.segmentNames()[0]
        let records = Self.frames(in: dir.bytes(of: name)).last.map { $0.offset + $0.count }!
        dir.write(Array(dir.bytes(of: name).prefix(records)) + [UInt8](repeating: 0, count: 4096), to: name)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.tornBytesCut == 0)
            #expect(store.recoveryReport.unusedTailBytes == 4096)
            #expect(try await store.head() == head)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("into the zeros")])
        }
        try await withStore(dir) { store async throws in
            #expect(try await store.read(from: 10, maxCount: 1).map(text) == ["into the zeros"])
        }
        #expect(try LogVerifier.verify(directory: dir.path).incompleteTailBytes == 0)
    }

    @Test("a record cut short and followed by zeros is a torn tail and is cut")
    func tornRecordThenZeros() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir, count: 5)
        let name = dir.segmentNames()[0]
        let bytes = dir.bytes(of: name)
        let last = Self.frames(in: bytes)[4]
        dir.write(Array(bytes.prefix(last.offset + 40)) + [UInt8](repeating: 0, count: 1000), to: name)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.tornBytesCut == 1040)
            #expect(try await store.head().count == 4)
        }
    }

    @Test("a live log's segments end in unused zeros only in the last one")
    func zeroFillAhead() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir, configuration: .init(segmentSize: 8192)) { store async throws in
            for n in 0..<100 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("event \(n)")]) }
        }
        let names = dir.segmentNames()
        #expect(names.count > 2)
        for name in names.dropLast() {
            let bytes = dir.bytes(of: name)
            let frames = Self.frames(in: bytes)
            #expect(frames.last.map { $0.offset + $0.count } == bytes.count, "\(name) ends at its last record")
        }
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.tornBytesCut == 0)
            #expect(try await store.head().count == 100)
        }
    }

    @Test("damage in the last segment with valid records after it is corruption, not a torn tail")
    func damageBeforeValidRecords() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let frame = Self.frames(in: bytes)[7]
        for k in 0..<frame.count { bytes[frame.offset + k] = 0 }  // a zeroed hole in the middle
        dir.write(bytes, to: name)
        let error = try #require(Self.openError(dir))
        #expect(error.code == .corruptRecord && error.position == 7)
        #expect(dir.bytes(of: name) == bytes)
    }

    @Test("a missing middle segment stops the store")
    func missingSegment() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir, configuration: .init(segmentSize: 1024)) { store async throws in
            for n in 0..<40 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("payload \(n)")]) }
        }
        let names = dir.segmentNames()
        #expect(names.count >= 3)
        let removed = names[1]
        try FileManagerSupport.remove(dir.file(removed))
        let error = try #require(Self.openError(dir))
        #expect(error.code == .missingSegment)
        #expect(error.segment == names[2])
    }

    @Test("a damaged segment header stops the store")
    func damagedHeader() async throws {
        let dir = TemporaryDirectory()
        _ = try await Self.makeLog(dir)
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        bytes[20] ^= 0xFF
        dir.write(bytes, to: name)
        #expect(Self.openError(dir)?.code == .corruptSegmentHeader)
    }

    @Test("a segment from another log stops the store")
    func foreignSegment() async throws {
        let dir = TemporaryDirectory(), other = TemporaryDirectory()
        try await withStore(dir, configuration: .init(segmentSize: 1024)) { store async throws in
            for n in 0..<20 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("mine \(n)")]) }
        }
        try await withStore(other, configuration: .init(segmentSize: 1024)) { store async throws in
            for n in 0..<20 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("mine \(n)")]) }
        }
        let second = dir.segmentNames()[1]
        #expect(other.segmentNames()[1] == second)
        dir.write(other.bytes(of: second), to: second)
        #expect(Self.openError(dir)?.code == .corruptSegmentHeader)
    }

    /// Recomputes a frame's CRC after a deliberate edit, as an attacker with write access could.
    static func reseal(_ bytes: inout [UInt8], _ frame: (offset: Int, count: Int)) {
        let crc = CRC32C.checksum(Array(bytes[frame.offset..<(frame.offset + frame.count - 4)]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((frame.offset + frame.count - 4)..<(frame.offset + frame.count), with: $0) }
    }
}

@Suite("EventLog: interrupted segment creation")
struct InterruptedCreationTests {
    @Test("a last segment shorter than its header is removed, whatever it holds", arguments: [0, 10, 63])
    func shortLastSegment(bytes: Int) async throws {
        let dir = TemporaryDirectory()
        let head = try await withStore(dir, configuration: .init(segmentSize: 1024)) { store async throws in
            for n in 0..<20 { _ = try await store.append(to: "s", expectedVersion: .any, events: [event("event \(n)")]) }
            return try await store.head()
        }
        try FileManagerSupport.remove(dir.file("index.snapshot"))
        let next = String(repeating: "0", count: 20 - String(head.count).count) + String(head.count) + ".seg"
        dir.write((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }, to: next)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.removedIncompleteSegment == next)
            #expect(try await store.head() == head)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("after")])
        }
    }

    @Test("a log whose only segment was cut inside its header starts anew")
    func onlySegmentCut() async throws {
        let dir = TemporaryDirectory()
        dir.write([1, 2, 3], to: "00000000000000000000.seg")
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.removedIncompleteSegment == "00000000000000000000.seg")
            #expect(store.recoveryReport.createdNewLog)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("first")])
        }
    }
}
