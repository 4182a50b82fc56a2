/// Walks the records of one segment, checking frames, positions and the chain
/// (docs/LOG-FORMAT.md, "Batches and the torn tail").
struct SegmentScanner {
    /// How the segment ended.
    enum Tail: Equatable {
        /// The last byte is the end of a whole batch.
        case clean
        /// A whole batch ends, then only zero bytes follow: space the writer filled ahead of itself.
        case unused(bytes: Int)
        /// The segment ends with bytes that are not a whole batch; cutting at `end` leaves only whole batches.
        case torn(bytes: Int, records: Int)
    }

    struct Result {
        var offsets: [UInt32] = []
        /// End of the last whole batch.
        var end: Int = SegmentHeader.count
        var chain: Digest32
        var nextPosition: UInt64
        var tail: Tail = .clean
        /// Offsets of frames that were repaired from a pending redaction intent.
        var repairedFrames: [(offset: Int, bytes: [UInt8])] = []
        var redactedCount = 0
    }

    let name: String
    let basePosition: UInt64
    let isLast: Bool
    let verifyPayloads: Bool
    /// Pending redaction intents in this segment: offset → position.
    let redactionIntents: [Int: UInt64]
    /// The segment header's format: 2 records each record's write group, 1 does not.
    var format: UInt32 = SegmentHeader.formatVersion

    /// Scans `bytes`, the whole segment file (header included).
    /// Scans `bytes`, the whole segment file (header included), from `startOffset`, where the
    /// record at `startPosition` begins (by default the first record). `knownOffsets` are the
    /// offsets of the records before `startOffset`, already checked (from an index snapshot).
    func scan(_ bytes: inout [UInt8], previousChain: Digest32, startOffset: Int = SegmentHeader.count,
              startPosition: UInt64? = nil, knownOffsets: [UInt32] = [],
              visit: (DecodedFrame, UnsafeRawBufferPointer) throws(EventLogError) -> Void) throws(EventLogError) -> Result {
        var result = Result(chain: previousChain, nextPosition: startPosition ?? basePosition)
        result.offsets = knownOffsets
        var offset = startOffset
        // The state at the end of the last whole batch: where a torn tail is cut back to.
        var batchEnd = (records: knownOffsets.count, offset: offset, chain: previousChain, position: result.nextPosition)
        // Where a run of zeros that lasts to the end of the file begins, if the scan stopped at one.
        var zerosFrom: Int?
        // The previous record's write group and whether it ended its batch (unknown after a snapshot's records).
        var previous: (group: UInt64, endedBatch: Bool)?

        scanning: while offset < bytes.count {
            let scan = bytes.withUnsafeBytes { DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch scan {
            case .frame(let frame):
                guard frame.position == result.nextPosition else {
                    throw EventLogError(code: .positionGap,
                                        "expected position \(result.nextPosition), found \(frame.position)",
                                        position: result.nextPosition, segment: name)
                }
                if let why = groupProblem(frame, previous: previous) {
                    throw EventLogError(code: .corruptRecord, "\(why) (offset \(offset))", position: frame.position, segment: name)
                }
                previous = (frame.group, !frame.batchContinues)
                try withBytes(bytes) { (all) throws(EventLogError) in
                    let frameBytes = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + frame.frameCount)])
                    guard frame.expectedChain(previous: result.chain, in: frameBytes) == frame.chain else {
                        throw EventLogError(code: .brokenChain, "the chain does not follow from the previous record",
                                            position: frame.position, segment: name)
                    }
                    if verifyPayloads && !frame.payloadMatchesHash(in: frameBytes) {
                        throw EventLogError(code: .corruptRecord, "the payload does not match its hash",
                                            position: frame.position, segment: name)
                    }
                    try visit(frame, frameBytes)
                }
                if frame.isRedacted { result.redactedCount += 1 }
                result.offsets.append(UInt32(offset))
                result.chain = frame.chain
                result.nextPosition += 1
                offset += frame.frameCount
                if !frame.batchContinues {
                    batchEnd = (result.offsets.count, offset, result.chain, result.nextPosition)
                }
            case .damaged(let why):
                if let position = redactionIntents[offset], let repaired = repairRedaction(bytes, at: offset, position: position) {
                    bytes.replaceSubrange(offset..<(offset + repaired.count), with: repaired)
                    result.repairedFrames.append((offset, repaired))
                    continue scanning
                }
                try decideAtDamage(bytes, offset: offset, position: result.nextPosition, what: "damaged record: \(why)")
                break scanning
            case .incomplete, .zero:
                if isLast && scan.isZero && bytes[offset...].allSatisfy({ $0 == 0 }) {
                    zerosFrom = offset
                    break scanning
                }
                try decideAtDamage(bytes, offset: offset, position: result.nextPosition,
                                   what: scan.isZero ? "zero-filled bytes inside the log" : "a record is cut short")
                break scanning
            }
        }

        if let zerosFrom, zerosFrom == batchEnd.offset, batchEnd.records == result.offsets.count {
            result.tail = .unused(bytes: bytes.count - zerosFrom)
        } else if batchEnd.offset < bytes.count || batchEnd.records < result.offsets.count {
            guard isLast else {
                throw EventLogError(code: .corruptRecord, "the segment ends inside a batch",
                                    position: batchEnd.position, segment: name)
            }
            result.tail = .torn(bytes: bytes.count - batchEnd.offset, records: result.offsets.count - batchEnd.records)
            result.offsets.removeLast(result.offsets.count - batchEnd.records)
            result.chain = batchEnd.chain
            result.nextPosition = batchEnd.position
        }
        result.end = batchEnd.offset
        return result
    }

    /// The rule at the first frame that is damaged, cut short or zero where a record is due
    /// (docs/LOG-FORMAT.md, "Format 2: torn write or damage"). Returns when the damage lies in the
    /// last write, which was never acknowledged (the caller cuts it); throws when it is damage to
    /// durable data, or when it cannot be told apart from that.
    private func decideAtDamage(_ bytes: [UInt8], offset: Int, position: UInt64, what: String) throws(EventLogError) {
        guard isLast else {
            throw EventLogError(code: .corruptRecord, "\(what) (offset \(offset))", position: position, segment: name)
        }
        guard let later = laterFrame(in: bytes, after: offset, from: position) else { return }
        if format < 2 {
            throw EventLogError(code: .corruptRecord,
                                "\(what) (offset \(offset)), with whole records after it (position \(later.position)) "
                                + "in a format-1 segment, which cannot tell a torn write from damage",
                                position: position, segment: name)
        }
        throw EventLogError(code: .corruptRecord,
                            "\(what) (offset \(offset)): damage to durable data, since a later write (its first "
                            + "record at position \(later.group), found at position \(later.position)) followed it",
                            position: position, segment: name)
    }

    /// The first whole, valid frame after `offset` with a plausible position from `position` on that
    /// proves the damage at `offset` is not in the last write: in format 2 one of a later write
    /// (`group` > `position`), in format 1 any (it cannot say which write a record belongs to).
    private func laterFrame(in bytes: [UInt8], after offset: Int, from position: UInt64) -> DecodedFrame? {
        bytes.withUnsafeBytes { all in
            var candidate = offset + 1
            while candidate + RecordCodec.frameOverhead + RecordCodec.bodyHeaderCount <= all.count {
                // Cheap filters first: the kind byte and a position in a plausible range.
                if all[candidate + 4] == RecordCodec.kindEvent {
                    let found = UInt64(littleEndian: all.loadUnaligned(fromByteOffset: candidate + 4 + 16, as: UInt64.self))
                    if found >= position && found < position &+ 1 << 32,
                       case .frame(let frame) = DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: all[candidate...])),
                       format < 2 || frame.group > position {
                        return frame
                    }
                }
                candidate += 1
            }
            return nil
        }
    }

    /// Why a frame's `group` cannot be right, or nil: in format 1 it is 0; in format 2 a segment's
    /// first record starts a write, and every later record continues its predecessor's write or
    /// starts a new one at its own position, on a batch boundary (writes hold whole batches).
    private func groupProblem(_ frame: DecodedFrame, previous: (group: UInt64, endedBatch: Bool)?) -> String? {
        if format < 2 { return frame.group == 0 ? nil : "a format-1 record names a write group" }
        if frame.position == basePosition {
            return frame.group == frame.position ? nil : "a segment's first record does not start a write"
        }
        guard frame.group >= basePosition else { return "a record's write began in an earlier segment" }
        guard let previous else { return nil }
        if frame.group == previous.group { return nil }
        if frame.group == frame.position { return previous.endedBatch ? nil : "a write begins inside a batch" }
        return "a record names write \(frame.group), which is neither its predecessor's nor its own position"
    }

    /// Re-applies a redaction that a crash interrupted: the frame's fixed fields are intact, so setting
    /// the flag, zeroing the payload and resealing the checksum is the same write done again.
    private func repairRedaction(_ bytes: [UInt8], at offset: Int, position: UInt64) -> [UInt8]? {
        guard offset + RecordCodec.frameOverhead + RecordCodec.bodyHeaderCount <= bytes.count else { return nil }
        let bodyCount = bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        let frameCount = bodyCount + RecordCodec.frameOverhead
        guard bodyCount >= RecordCodec.bodyHeaderCount, offset + frameCount <= bytes.count else { return nil }
        var frame = Array(bytes[offset..<(offset + frameCount)])
        Redaction.apply(to: &frame)
        guard case .frame(let decoded) = frame.withUnsafeBytes({ DecodedFrame.scan($0) }),
              decoded.position == position, decoded.isRedacted
        else { return nil }
        return frame
    }
}

extension FrameScan {
    var isZero: Bool { if case .zero = self { true } else { false } }
}

/// The in-place rewrite of a frame that destroys its payload (docs/LOG-FORMAT.md, "Redaction").
enum Redaction {
    /// Sets the redacted flag, zeroes the payload and reseals the checksum. The frame's fixed fields must be intact.
    static func apply(to frame: inout [UInt8]) {
        frame.withUnsafeMutableBytes { f in
            let body = 4
            f[body + RecordCodec.offsetFlags] |= RecordCodec.flagRedacted
            func u(_ o: Int, _ size: Int) -> Int {
                size == 2 ? Int(UInt16(littleEndian: f.loadUnaligned(fromByteOffset: body + o, as: UInt16.self)))
                          : Int(UInt32(littleEndian: f.loadUnaligned(fromByteOffset: body + o, as: UInt32.self)))
            }
            let payloadStart = body + RecordCodec.bodyHeaderCount + u(2, 2) + u(4, 2) + u(8, 4)
            let payloadEnd = min(payloadStart + u(12, 4), f.count - 4)
            if payloadStart < payloadEnd {
                UnsafeMutableRawBufferPointer(rebasing: f[payloadStart..<payloadEnd]).initializeMemory(as: UInt8.self, repeating: 0)
            }
            RecordCodec.resealChecksum(frame: f)
        }
    }
}
