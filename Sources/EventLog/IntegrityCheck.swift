/// The check of the records an index snapshot let the open skip.
public enum IntegrityCheck: Hashable, Sendable {
    /// The open scanned every record itself; nothing is left to check.
    case notNeeded
    /// Checking in the background; appends and reads work meanwhile.
    case running
    /// Every record the snapshot covered has its checksum, position and chain value.
    case passed
    /// Damage was found; the store has stopped accepting appends (the error names the position and segment).
    case failed(EventLogError)
}

/// Walks the records `0 ..< count` that an index snapshot covered, checking frames, positions and
/// the chain, on its own thread (docs/LOG-FORMAT.md, "Index snapshot").
struct CoveredRangeVerifier {
    let store: FileEventStore
    let count: UInt64

    func run() {
        let outcome: IntegrityCheck
        do {
            outcome = try verify() ? .passed : .running
        } catch {
            outcome = .failed(error)
        }
        store.shared.withLock { state in
            switch outcome {
            case .failed(let error):
                state.integrity = .failed(error)
                if case .open = state.status { state.status = .failed(error) }
            case .passed:
                state.integrity = .passed
            default:
                break  // the store closed before the check finished
            }
        }
    }

    /// True when all was checked; false when the store closed first.
    private func verify() throws(EventLogError) -> Bool {
        var chain = RecordCodec.genesis(logID: store.logID)
        var position: UInt64 = 0
        var segmentNumber = 0
        while position < count {
            let segment = store.shared.withLock { state -> (SegmentIndex?, Bool) in
                if case .open = state.status {
                    return (segmentNumber < state.index.segments.count ? state.index.segments[segmentNumber] : nil, true)
                }
                return (nil, false)
            }
            guard segment.1 else { return false }
            guard let index = segment.0 else {
                throw EventLogError(code: .missingSegment, "a segment the snapshot covered is gone", position: position)
            }
            segmentNumber += 1
            let records = Int(min(UInt64(index.offsets.count), count - index.basePosition))
            guard records > 0 else { continue }
            let start = Int(index.offsets[0])
            let end = records < index.offsets.count ? Int(index.offsets[records]) : index.end
            var attempts = 0
            while true {
                let bytes = try index.file.read(count: end - start, at: start)
                do {
                    (chain, position) = try check(bytes, in: index, records: records, chain: chain, position: position)
                    break
                } catch let error where error.code == .corruptRecord && attempts < 200 && beingRedacted(error.position) {
                    attempts += 1  // a redaction is rewriting a record right now: read the segment again
                }
            }
        }
        return true
    }

    private func check(_ bytes: [UInt8], in index: SegmentIndex, records: Int, chain: Digest32,
                       position: UInt64) throws(EventLogError) -> (Digest32, UInt64) {
        var chain = chain, position = position
        try withBytes(bytes) { (all) throws(EventLogError) in
            var offset = 0
            for _ in 0..<records {
                guard case .frame(let frame) = DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: all[offset...])),
                      frame.position == position else {
                    throw EventLogError(code: .corruptRecord, "a record covered by the index snapshot is damaged",
                                        position: position, segment: index.file.name)
                }
                let frameBytes = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + frame.frameCount)])
                guard frame.expectedChain(previous: chain, in: frameBytes) == frame.chain else {
                    throw EventLogError(code: .brokenChain, "the chain breaks inside the index snapshot's range",
                                        position: position, segment: index.file.name)
                }
                chain = frame.chain
                position += 1
                offset += frame.frameCount
            }
        }
        return (chain, position)
    }

    private func beingRedacted(_ position: UInt64?) -> Bool {
        guard let position else { return false }
        return store.shared.withLock { $0.redacting.contains(position) }
    }
}
