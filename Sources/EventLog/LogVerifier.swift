/// The result of walking a whole log.
public struct LogVerification: Hashable, Sendable {
    public let head: LogHead
    public let segments: Int
    public let redactedEvents: UInt64
    /// Bytes at the end of the last segment that are not a whole batch (a crash's torn tail, which
    /// the next open cuts, or an append in progress when the log is live).
    public let incompleteTailBytes: Int
    /// Redactions a crash interrupted; the next open finishes them.
    public let interruptedRedactions: Int
}

/// Walks every segment without changing anything: frames, checksums, positions, stream versions,
/// unique event ids, payload hashes and the chain. It takes no lock, so it can check a live log.
public enum LogVerifier {
    public static func verify(directory: String) throws(EventLogError) -> LogVerification {
        let storage = POSIXSegmentStorage(directory: directory)
        let names = try LogRecovery.segmentNames(in: storage)
        guard !names.isEmpty else {
            throw EventLogError(code: .notFound, "no segment files in \(directory)")
        }
        let intents = try RedactionJournal.pendingIntents(directory: directory)
        var logID: LogID?
        var chain = Digest32.zero
        var count: UInt64 = 0
        var streams: [StreamName: UInt64] = [:]
        var ids = Set<EventID>()
        var redacted: UInt64 = 0
        var tail = 0
        var repaired = 0
        for (number, entry) in names.enumerated() {
            let file = try SegmentFile.open(storage: storage, name: entry.name, basePosition: entry.base)
            var bytes = try file.read(count: try file.size(), at: 0)
            // An interrupted creation (the header never reached the disk), which the next open removes.
            if number == names.count - 1 && number > 0 && bytes.count <= SegmentHeader.count && bytes.allSatisfy({ $0 == 0 }) {
                tail = bytes.count
                break
            }
            let header = try SegmentHeader.decode(bytes, segment: entry.name)
            if logID == nil {
                logID = header.logID
                chain = RecordCodec.genesis(logID: header.logID)
            }
            guard header.logID == logID, header.basePosition == entry.base else {
                throw EventLogError(code: .corruptSegmentHeader, "the header does not belong here", segment: entry.name)
            }
            guard entry.base == count else {
                throw EventLogError(code: .missingSegment, "positions jump from \(count) to \(entry.base): a segment is missing",
                                    position: count, segment: entry.name)
            }
            let segmentIntents = RedactionJournal.byOffset(intents, inSegment: entry.base)
            var scanner = SegmentScanner(name: entry.name, basePosition: entry.base, isLast: number == names.count - 1,
                                         verifyPayloads: true, redactionIntents: segmentIntents)
            scanner.format = header.format
            let result = try scanner.scan(&bytes, previousChain: chain) { (frame, frameBytes) throws(EventLogError) in
                let stream = try frame.streamName(in: frameBytes)
                let expected = streams[stream].map { $0 + 1 } ?? 0
                guard frame.version == expected else {
                    throw EventLogError(code: .corruptRecord, "stream \(stream) has version \(frame.version) where \(expected) was due",
                                        position: frame.position, segment: entry.name)
                }
                streams[stream] = frame.version
                guard ids.insert(frame.id).inserted else {
                    throw EventLogError(code: .corruptRecord, "event id \(frame.id) is stored twice",
                                        position: frame.position, segment: entry.name)
                }
            }
            chain = result.chain
            count = result.nextPosition
            redacted += UInt64(result.redactedCount)
            repaired += result.repairedFrames.count
            if case .torn(let bytes, _) = result.tail { tail = bytes }
        }
        return LogVerification(head: LogHead(logID: logID!, count: count, chain: chain), segments: names.count,
                               redactedEvents: redacted, incompleteTailBytes: tail, interruptedRedactions: repaired)
    }
}
