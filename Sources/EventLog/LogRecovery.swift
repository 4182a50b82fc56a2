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
    /// Events covered by the index snapshot, if one was used (with its deltas).
    public var snapshotEvents: UInt64?
    /// How many index deltas (`index.delta.N`) were applied on top of the snapshot used.
    public var snapshotDeltas = 0
    /// An empty segment file whose creation a crash interrupted, removed during the open.
    public var removedIncompleteSegment: String?
    /// The file in the data directory that holds, unchanged, the bytes of a torn last write that
    /// the open cut (docs/LOG-FORMAT.md, "Format 2: torn write or damage").
    public var quarantinedAs: String?
    /// The position of the first record cut with the torn last write (when `tornRecordsCut` > 0 or bytes were cut).
    public var tornCutAt: UInt64?
    /// A format-1 last segment that the open closed, so that new records are written in format 2.
    public var rolledFromFormat1: String?

    public init() {}
}

/// Opens a data directory: finds the segments, checks them, cuts a torn tail, and builds the index.
enum LogRecovery {
    struct Opened {
        var index: LogIndex
        var logID: LogID
        var report: RecoveryReport
    }

    static func segmentNames(in storage: any SegmentStorage) throws(EventLogError) -> [(name: String, base: UInt64)] {
        try storage.list().compactMap { name -> (String, UInt64)? in
            guard name.count == 24, name.hasSuffix(".seg"), let base = UInt64(name.prefix(20)),
                  name.prefix(20).allSatisfy(\.isASCII) else { return nil }
            return (name, base)
        }.sorted { $0.1 < $1.1 }
    }

    /// Opens the log whose segments `storage` holds; `directory` holds its other files (the redaction
    /// journal, the index snapshot, quarantined tails).
    static func open(directory: String, storage: any SegmentStorage) throws(EventLogError) -> Opened {
        var report = RecoveryReport()
        var names = try segmentNames(in: storage)
        // Whatever else it is good for, a snapshot proves that the events it counts were durable:
        // no cut may go below it (docs/LOG-FORMAT.md, rule 4).
        var snapshot = IndexSnapshot.load(directory: directory)

        if names.isEmpty {
            if let snapshot, snapshot.count > 0 {
                throw EventLogError(code: .missingSegment,
                                    "no segment files, but the index snapshot proves \(snapshot.count) events were stored",
                                    position: 0)
            }
            return try createLog(storage: storage, report: report)
        }

        // A last segment shorter than its header, or all zeros (the header never reached the disk),
        // is a creation a crash interrupted: records are written only after the header is durable,
        // so it never held one. It is removed (and, if it was the only segment, the log is created anew).
        if let last = names.last {
            let file = try SegmentFile.open(storage: storage, name: last.name, basePosition: last.base)
            let size = try file.size()
            // Only a file no longer than its header: the writer extends a segment only after its header is durable.
            var headerNeverWritten = size < SegmentHeader.count
            if size == SegmentHeader.count { headerNeverWritten = try file.isAllZero(size: size) }
            if headerNeverWritten {
                if let snapshot, snapshot.count > last.base {
                    throw EventLogError(code: .corruptSegmentHeader,
                                        "the last segment has no header, but the index snapshot proves events at "
                                        + "positions \(last.base)..<\(snapshot.count) were stored in it",
                                        position: last.base, segment: last.name)
                }
                try storage.remove(last.name)
                try storage.syncDirectory()
                report.removedIncompleteSegment = last.name
                names.removeLast()
                if names.isEmpty { return try createLog(storage: storage, report: report) }
            }
        }

        let intents = try RedactionJournal.pendingIntents(directory: directory)
        let floor = snapshot.map { (logID: $0.logID, count: $0.count) }
        // A snapshot is used only where nothing it covers needs repair: an interrupted redaction
        // inside it is finished by a full scan instead.
        if let seed = snapshot, intents.contains(where: { $0.position < seed.count }) { snapshot = nil }
        var opened: Opened
        var seedIndexes = snapshot?.takeIndexes()
        if let seed = snapshot, let seeded = try scan(directory: directory, storage: storage, names: names, intents: intents,
                                                      seed: seed, seedIndexes: &seedIndexes, floor: floor, report: report) {
            opened = seeded
        } else {
            var none: (streams: [StreamName: [UInt64]], ids: EventIDTable)?
            opened = try scan(directory: directory, storage: storage, names: names, intents: intents, seed: nil,
                              seedIndexes: &none, floor: floor, report: report)!
        }
        if let floor, floor.logID == opened.logID, opened.index.count < floor.count {
            throw EventLogError(code: .missingSegment,
                                "the segments hold \(opened.index.count) events, but the index snapshot proves \(floor.count) were stored",
                                position: opened.index.count)
        }
        try rollFormat1(&opened, storage: storage)
        return opened
    }

    private static func createLog(storage: any SegmentStorage, report: RecoveryReport) throws(EventLogError) -> Opened {
        var report = report
        let logID = LogID.random()
        let file = try SegmentFile.create(storage: storage, basePosition: 0, logID: logID)
        report.createdNewLog = true
        let index = LogIndex(segments: [SegmentIndex(file: file, offsets: [], end: SegmentHeader.count)], count: 0,
                             chain: RecordCodec.genesis(logID: logID), streams: [:], ids: EventIDTable())
        return Opened(index: index, logID: logID, report: report)
    }

    /// New records are written in format 2 only: a format-1 last segment is closed (cut to its last
    /// record and flushed) and a format-2 segment started after it, or, when it holds no record,
    /// replaced by a format-2 segment through a temporary file and a rename.
    private static func rollFormat1(_ opened: inout Opened, storage: any SegmentStorage) throws(EventLogError) {
        let lastNumber = opened.index.segments.count - 1
        let last = opened.index.segments[lastNumber]
        guard last.file.format < SegmentHeader.formatVersion else { return }
        let header = SegmentHeader(logID: opened.logID, basePosition: last.file.basePosition)
        if last.offsets.isEmpty {
            let temporary = last.file.name + ".tmp"
            try? storage.remove(temporary)
            let replacement = SegmentFile.adopting(try storage.create(temporary), basePosition: last.file.basePosition)
            try replacement.write(header.encoded(), at: 0)
            try replacement.sync()
            try storage.rename(temporary, to: last.file.name)
            try storage.syncDirectory()
            let file = try SegmentFile.open(storage: storage, name: last.file.name, basePosition: last.file.basePosition)
            opened.index.segments[lastNumber] = SegmentIndex(file: file, offsets: [], end: SegmentHeader.count)
        } else {
            if try last.file.size() > last.end {
                try last.file.truncate(to: last.end)
                try last.file.sync()
            }
            let file = try SegmentFile.create(storage: storage, basePosition: opened.index.count, logID: opened.logID)
            opened.index.segments.append(SegmentIndex(file: file, offsets: [], end: SegmentHeader.count))
        }
        opened.report.rolledFromFormat1 = last.file.name
        opened.report.unusedTailBytes = 0
    }

    /// Scans the segments into an index, starting from `seed` when given. Returns nil when the seed
    /// does not fit the files (then the caller scans without it); throws on damage to the log.
    private static func scan(directory: String, storage: any SegmentStorage, names: [(name: String, base: UInt64)],
                             intents: [RedactionJournal.Entry], seed: IndexSnapshot?,
                             seedIndexes: inout (streams: [StreamName: [UInt64]], ids: EventIDTable)?,
                             floor: (logID: LogID, count: UInt64)?, report: RecoveryReport) throws(EventLogError) -> Opened? {
        var report = report
        var logID: LogID?
        var index = LogIndex(segments: [], count: 0, chain: .zero, streams: [:], ids: EventIDTable())
        // The seed's indexes are moved in, not shared: the scan adds to them in place.
        if seed != nil, seedIndexes != nil {
            swap(&index.streams, &seedIndexes!.streams)
            swap(&index.ids, &seedIndexes!.ids)
        }
        if let seed {
            guard seed.segments.count <= names.count, try boundaryHolds(seed, storage: storage, names: names) else { return nil }
            report.snapshotEvents = seed.count
            report.snapshotDeltas = seed.deltas
        }

        for (number, entry) in names.enumerated() {
            var file = try SegmentFile.open(storage: storage, name: entry.name, basePosition: entry.base)
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
                index.segments.append(SegmentIndex(file: file.with(format: header.format), offsets: covered.offsets, end: covered.end))
                index.count = entry.base + UInt64(covered.offsets.count)
                continue
            }

            var bytes = try file.read(count: size, at: 0)
            let header = try SegmentHeader.decode(bytes, segment: entry.name)
            file = file.with(format: header.format)
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
            var scanner = SegmentScanner(name: entry.name, basePosition: entry.base, isLast: number == names.count - 1,
                                         verifyPayloads: false, redactionIntents: segmentIntents)
            scanner.format = header.format
            var streams = index.streams
            var ids = index.ids
            index.streams = [:]
            index.ids = EventIDTable(capacity: 0)
            // A batch enters the indexes only once its last record is read: the records of a batch
            // that a torn write left incomplete are cut, so they must not count in a stream's
            // version or as a stored id.
            var batch: [(stream: StreamName, position: UInt64, id: EventID)] = []
            var batchCounts: [StreamName: Int] = [:]
            let start = covered.map { (offset: $0.end, position: seed!.count, chain: seed!.chain, known: $0.offsets) }
            let result = try scanner.scan(&bytes, previousChain: start?.chain ?? index.chain,
                                          startOffset: start?.offset ?? SegmentHeader.count, startPosition: start?.position,
                                          knownOffsets: start?.known ?? []) { (frame, frameBytes) throws(EventLogError) in
                let stream = try frame.streamName(in: frameBytes)
                let expected = UInt64((streams[stream]?.count ?? 0) + (batch.isEmpty ? 0 : batchCounts[stream, default: 0]))
                guard frame.version == expected else {
                    throw EventLogError(code: .corruptRecord, "stream \(stream) has version \(frame.version) where \(expected) was due",
                                        position: frame.position, segment: entry.name)
                }
                if batch.isEmpty && !frame.batchContinues {  // a batch of one: the common case
                    streams[stream, default: []].append(frame.position)
                    ids.insert(frame.id, position: frame.position)
                    return
                }
                batch.append((stream, frame.position, frame.id))
                batchCounts[stream, default: 0] += 1
                if !frame.batchContinues {
                    for record in batch {
                        streams[record.stream, default: []].append(record.position)
                        ids.insert(record.id, position: record.position)
                    }
                    batch.removeAll(keepingCapacity: true)
                    batchCounts.removeAll(keepingCapacity: true)
                }
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
                if let floor, floor.logID == header.logID, result.nextPosition < floor.count {
                    throw EventLogError(code: .corruptRecord,
                                        "damage at offset \(result.end) inside events the index snapshot proves were "
                                        + "stored (\(floor.count)); it is not a torn last write",
                                        position: result.nextPosition, segment: entry.name)
                }
                // The cut bytes are kept, unchanged, before the segment is truncated (W4: truncated and
                // synced before the writer starts).
                report.quarantinedAs = try quarantine(Array(bytes[result.end...]), position: result.nextPosition,
                                                      directory: directory)
                try file.truncate(to: result.end)
                try file.sync()
                report.tornBytesCut = cut
                report.tornRecordsCut = records
                report.tornCutAt = result.nextPosition
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

    /// Saves a cut tail as `quarantine-POSITION.bin` (or `-2`, `-3`, … when one exists) in `directory`,
    /// durably, without the unused zeros it ends in; returns the file's name.
    static func quarantine(_ cut: [UInt8], position: UInt64, directory: String) throws(EventLogError) -> String {
        let bytes = Array(cut[..<(cut.lastIndex { $0 != 0 }.map { $0 + 1 } ?? 0)])
        var name = "quarantine-\(position).bin"
        var attempt = 1
        while FileSystem.exists(directory + "/" + name) {
            attempt += 1
            name = "quarantine-\(position)-\(attempt).bin"
        }
        try FileSystem.writeAtomically(bytes, to: directory + "/" + name, directory: directory)
        return name
    }

    /// Whether the record at the snapshot's last covered position is there with exactly the
    /// snapshot's chain value (for an empty snapshot: the chain is the genesis value).
    private static func boundaryHolds(_ seed: IndexSnapshot, storage: any SegmentStorage,
                                      names: [(name: String, base: UInt64)]) throws(EventLogError) -> Bool {
        guard seed.count > 0 else { return seed.chain == RecordCodec.genesis(logID: seed.logID) }
        guard let number = seed.segments.lastIndex(where: { !$0.offsets.isEmpty && $0.base < seed.count }),
              number < names.count else { return false }
        let segment = seed.segments[number]
        guard segment.base + UInt64(segment.offsets.count) == seed.count else { return false }
        let file = try SegmentFile.open(storage: storage, name: names[number].name, basePosition: names[number].base)
        let offset = Int(segment.offsets[segment.offsets.count - 1])
        guard segment.end > offset else { return false }
        let frameBytes = try file.read(count: segment.end - offset, at: offset)
        guard case .frame(let frame) = frameBytes.withUnsafeBytes({ DecodedFrame.scan($0) }) else { return false }
        return frame.position == seed.count - 1 && frame.chain == seed.chain && frame.frameCount == frameBytes.count
    }
}

extension DecodedFrame {
    /// The stream name of this frame; `buffer` starts at the frame.
    func streamName(in buffer: UnsafeRawBufferPointer) throws(EventLogError) -> StreamName {
        let start = 4 + RecordCodec.bodyHeaderCount
        return try LogName(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<(start + streamCount)]))
    }
}
