#if canImport(Glibc)
import Glibc
#endif

/// What opening a log found and did.
public struct RecoveryReport: Hashable, Sendable {
    /// Whether the directory held no log and a new one was created.
    public var createdNewLog = false
    /// Bytes cut from a torn tail (0 when the log ended cleanly).
    public var tornBytesCut = 0
    /// Whole records cut because their batch was incomplete.
    public var tornRecordsCut = 0
    /// Zero bytes after the last record of the last segment: space the writer filled ahead of
    /// itself, kept and reused (not damage).
    public var unusedTailBytes = 0
    /// Redactions a crash had interrupted, finished during the open.
    public var redactionsCompleted = 0
    /// Records scanned (the rest came from the index snapshot).
    public var recordsScanned: UInt64 = 0
    /// Events covered by the index snapshot, if one was used.
    public var snapshotEvents: UInt64?
    /// An empty segment file whose creation a crash interrupted, removed during the open.
    public var removedIncompleteSegment: String?

    public init() {}
}

/// Opens a data directory: finds the segments, checks them, cuts a torn tail, and builds the index.
enum LogRecovery {
    struct Opened {
        var index: LogIndex
        var logID: LogID
        var report: RecoveryReport
    }

    static func segmentNames(in directory: String) throws(EventLogError) -> [(name: String, base: UInt64)] {
        try FileSystem.list(directory).compactMap { name -> (String, UInt64)? in
            guard name.count == 24, name.hasSuffix(".seg"), let base = UInt64(name.prefix(20)),
                  name.prefix(20).allSatisfy(\.isASCII) else { return nil }
            return (name, base)
        }.sorted { $0.1 < $1.1 }
    }

    static func open(directory: String) throws(EventLogError) -> Opened {
        var report = RecoveryReport()
        var names = try segmentNames(in: directory)

        if names.isEmpty {
            let logID = LogID.random()
            let file = try SegmentFile.create(directory: directory, basePosition: 0, logID: logID)
            report.createdNewLog = true
            let index = LogIndex(segments: [SegmentIndex(file: file, offsets: [], end: SegmentHeader.count)], count: 0,
                                 chain: RecordCodec.genesis(logID: logID), streams: [:], ids: EventIDTable())
            return Opened(index: index, logID: logID, report: report)
        }

        // A last segment shorter than its header is a creation a crash interrupted: records are
        // written only after the header is durable, so it never held one. It is removed (and, if it
        // was the only segment, the log is created anew).
        if let last = names.last {
            let file = try SegmentFile.open(directory: directory, name: last.name, basePosition: last.base)
            if try file.size() < SegmentHeader.count {
                try removeFile(directory + "/" + last.name, directory: directory)
                report.removedIncompleteSegment = last.name
                names.removeLast()
                if names.isEmpty {
                    var opened = try open(directory: directory)
                    opened.report.removedIncompleteSegment = last.name
                    return opened
                }
            }
        }

        let intents = try RedactionJournal.pendingIntents(directory: directory)
        // A snapshot is used only where nothing it covers needs repair: an interrupted redaction
        // inside it is finished by a full scan instead.
        var snapshot = IndexSnapshot.load(directory: directory)
        if let seed = snapshot, intents.contains(where: { $0.position < seed.count }) { snapshot = nil }
        if let seed = snapshot, let opened = try scan(directory: directory, names: names, intents: intents, seed: seed,
                                                     report: report) {
            return opened
        }
        return try scan(directory: directory, names: names, intents: intents, seed: nil, report: report)!
    }

    /// Scans the segments into an index, starting from `seed` when given. Returns nil when the seed
    /// does not fit the files (then the caller scans without it); throws on damage to the log.
    private static func scan(directory: String, names: [(name: String, base: UInt64)], intents: [RedactionJournal.Entry],
                             seed: IndexSnapshot?, report: RecoveryReport) throws(EventLogError) -> Opened? {
        var report = report
        var logID: LogID?
        var index = LogIndex(segments: [], count: 0, chain: .zero, streams: seed?.streams ?? [:], ids: seed?.ids ?? EventIDTable())
        if let seed {
            guard seed.segments.count <= names.count, try boundaryHolds(seed, directory: directory, names: names) else { return nil }
            report.snapshotEvents = seed.count
        }

        for (number, entry) in names.enumerated() {
            let file = try SegmentFile.open(directory: directory, name: entry.name, basePosition: entry.base)
            let size = try file.size()
            let covered = seed.flatMap { number < $0.segments.count ? $0.segments[number] : nil }
            if let covered {
                guard covered.base == entry.base, covered.end <= size else { return nil }
            }
            let isLastCovered = seed.map { number == $0.segments.count - 1 } ?? false
            if let covered, !isLastCovered {
                // Wholly covered by the snapshot: only the header is read.
                let header = try SegmentHeader.decode(try file.read(count: SegmentHeader.count, at: 0), segment: entry.name)
                guard header.logID == seed!.logID, header.basePosition == entry.base, entry.base == index.count else { return nil }
                logID = header.logID
                index.segments.append(SegmentIndex(file: file, offsets: covered.offsets, end: covered.end))
                index.count = entry.base + UInt64(covered.offsets.count)
                continue
            }

            var bytes = try file.read(count: size, at: 0)
            let header = try SegmentHeader.decode(bytes, segment: entry.name)
            if logID == nil {
                logID = header.logID
                index.chain = RecordCodec.genesis(logID: header.logID)
            }
            if let seed, header.logID != seed.logID { return nil }
            guard header.logID == logID else {
                throw EventLogError(code: .corruptSegmentHeader, "the segment belongs to another log", segment: entry.name)
            }
            guard header.basePosition == entry.base else {
                throw EventLogError(code: .corruptSegmentHeader,
                                    "the header's base position \(header.basePosition) does not match the file name",
                                    segment: entry.name)
            }
            guard entry.base == index.count else {
                throw EventLogError(code: .missingSegment,
                                    "positions jump from \(index.count) to \(entry.base): a segment is missing",
                                    position: index.count, segment: entry.name)
            }
            let segmentIntents = RedactionJournal.byOffset(intents, inSegment: entry.base)
            let scanner = SegmentScanner(name: entry.name, basePosition: entry.base, isLast: number == names.count - 1,
                                         verifyPayloads: false, redactionIntents: segmentIntents)
            var streams = index.streams
            var ids = index.ids
            index.streams = [:]
            index.ids = EventIDTable(capacity: 0)
            let start = covered.map { (offset: $0.end, position: seed!.count, chain: seed!.chain, known: $0.offsets) }
            let result = try scanner.scan(&bytes, previousChain: start?.chain ?? index.chain,
                                          startOffset: start?.offset ?? SegmentHeader.count, startPosition: start?.position,
                                          knownOffsets: start?.known ?? []) { (frame, frameBytes) throws(EventLogError) in
                try LogRecovery.addToIndex(frame, frameBytes, streams: &streams, ids: &ids, segment: entry.name)
            }
            index.streams = streams
            index.ids = ids
            for repaired in result.repairedFrames {
                try file.write(repaired.bytes, at: repaired.offset)
                report.redactionsCompleted += 1
            }
            if !result.repairedFrames.isEmpty { try file.sync() }
            switch result.tail {
            case .torn(let cut, let records):
                try file.truncate(to: result.end)
                try file.sync()
                report.tornBytesCut = cut
                report.tornRecordsCut = records
            case .unused(let bytes):
                report.unusedTailBytes = bytes
            case .clean:
                break
            }
            report.recordsScanned += UInt64(result.offsets.count - (start?.known.count ?? 0))
            index.segments.append(SegmentIndex(file: file, offsets: result.offsets, end: result.end))
            index.chain = result.chain
            index.count = result.nextPosition
        }
        if !intents.isEmpty { try RedactionJournal.reset(directory: directory) }
        return Opened(index: index, logID: logID!, report: report)
    }

    /// Whether the record at the snapshot's last covered position is there with exactly the
    /// snapshot's chain value (for an empty snapshot: the chain is the genesis value).
    private static func boundaryHolds(_ seed: IndexSnapshot, directory: String,
                                      names: [(name: String, base: UInt64)]) throws(EventLogError) -> Bool {
        guard seed.count > 0 else { return seed.chain == RecordCodec.genesis(logID: seed.logID) }
        guard let number = seed.segments.lastIndex(where: { !$0.offsets.isEmpty && $0.base < seed.count }),
              number < names.count else { return false }
        let segment = seed.segments[number]
        guard segment.base + UInt64(segment.offsets.count) == seed.count else { return false }
        let file = try SegmentFile.open(directory: directory, name: names[number].name, basePosition: names[number].base)
        let offset = Int(segment.offsets[segment.offsets.count - 1])
        guard segment.end > offset else { return false }
        let frameBytes = try file.read(count: segment.end - offset, at: offset)
        guard case .frame(let frame) = frameBytes.withUnsafeBytes({ DecodedFrame.scan($0) }) else { return false }
        return frame.position == seed.count - 1 && frame.chain == seed.chain && frame.frameCount == frameBytes.count
    }

    /// Adds a scanned record to the stream and id indexes, checking that its stream version follows.
    static func addToIndex(_ frame: DecodedFrame, _ frameBytes: UnsafeRawBufferPointer, streams: inout [StreamName: [UInt64]],
                           ids: inout EventIDTable, segment: String) throws(EventLogError) {
        let stream = try frame.streamName(in: frameBytes)
        let expected = UInt64(streams[stream]?.count ?? 0)
        guard frame.version == expected else {
            throw EventLogError(code: .corruptRecord, "stream \(stream) has version \(frame.version) where \(expected) was due",
                                position: frame.position, segment: segment)
        }
        streams[stream, default: []].append(frame.position)
        ids.insert(frame.id, position: frame.position)
    }

    private static func removeFile(_ path: String, directory: String) throws(EventLogError) {
        guard unlink(path) == 0 else { throw FileSystem.error("cannot remove", path: path) }
        try FileSystem.syncDirectory(directory)
    }
}

extension DecodedFrame {
    /// The stream name of this frame; `buffer` starts at the frame.
    func streamName(in buffer: UnsafeRawBufferPointer) throws(EventLogError) -> StreamName {
        let start = 4 + RecordCodec.bodyHeaderCount
        return try LogName(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<(start + streamCount)]))
    }
}
