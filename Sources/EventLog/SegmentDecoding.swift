/// The record frame decoder and the segment scanner that recovery uses, applied to bytes alone,
/// with no files around them. For the fuzz harness (`ops/fuzz eventlog`) and the tests; `package`,
/// not part of the library's public API.
package enum SegmentDecoding {
    /// A segment scanned from bytes.
    package struct Scanned: Sendable {
        /// The records of the whole batches, in order.
        package var records: [RecordedEvent]
        /// The offset of each record in the segment (header included).
        package var offsets: [Int]
        /// Each record's write group (format 2; all 0 in a format-1 segment).
        package var groups: [UInt64]
        /// The end of the last whole batch: where a torn tail would be cut.
        package var end: Int
        /// The chain value after the last whole batch.
        package var chain: Digest32
        /// Whether the bytes after `end` are nothing (true), or unused zeros or a torn tail (false).
        package var endsCleanly: Bool
    }

    /// The segment header of a log's first segment, whose records start at position 0.
    package static func header(logID: LogID) -> [UInt8] {
        SegmentHeader(logID: logID, basePosition: 0).encoded()
    }

    /// Decodes the frame at the start of `bytes`; returns the event, whether its batch goes on, and
    /// the frame's length. Anything but a whole, consistent frame is a `corruptRecord` error.
    package static func decodeFrame(_ bytes: UnsafeRawBufferPointer)
        throws(EventLogError) -> (event: RecordedEvent, batchContinues: Bool, group: UInt64, frameCount: Int) {
        switch DecodedFrame.scan(bytes) {
        case .frame(let frame):
            let event = try frame.event(in: UnsafeRawBufferPointer(rebasing: bytes[0..<frame.frameCount]))
            return (event, frame.batchContinues, frame.group, frame.frameCount)
        case .incomplete:
            throw EventLogError(code: .corruptRecord, "a record is cut short")
        case .zero:
            throw EventLogError(code: .corruptRecord, "zero-filled bytes where a record must be")
        case .damaged(let why):
            throw EventLogError(code: .corruptRecord, "damaged record: \(why)")
        }
    }

    /// The frame of `event` exactly as the writer lays it out, with the event's own chain value
    /// (a redacted event's payload as zeros): what `decodeFrame` must have read it from.
    package static func encodeFrame(_ event: RecordedEvent, batchContinues: Bool, group: UInt64 = 0) -> [UInt8] {
        let payload = event.isRedacted ? [UInt8](repeating: 0, count: event.payloadLength) : event.payload
        let proposed = ProposedEvent(id: event.id, type: event.type, author: event.author,
                                     timeMilliseconds: event.timeMilliseconds, metadata: event.metadata, payload: payload)
        var frame: [UInt8] = []
        _ = RecordCodec.encode(proposed, stream: event.stream, position: event.position, version: event.streamVersion,
                               group: group, batchContinues: batchContinues, previous: .zero, payloadHash: event.payloadHash, into: &frame)
        frame.withUnsafeMutableBytes { all in
            event.chain.withUnsafeBytes {
                all.baseAddress!.advanced(by: 4 + RecordCodec.offsetChain).copyMemory(from: $0.baseAddress!, byteCount: 32)
            }
            RecordCodec.resealChecksum(frame: all)
        }
        if event.isRedacted { Redaction.apply(to: &frame) }
        return frame
    }

    /// Scans `segment` (header included) as recovery does, as the only segment of the log
    /// `header` names: frames, positions from 0, the chain from the genesis value, and the tail
    /// (which may be torn only when `isLast`).
    package static func scan(_ segment: [UInt8], isLast: Bool) throws(EventLogError) -> Scanned {
        let name = SegmentFile.fileName(basePosition: 0)
        let header = try SegmentHeader.decode(segment, segment: name)
        guard header.basePosition == 0 else {
            throw EventLogError(code: .corruptSegmentHeader, "the first segment starts at position 0", segment: name)
        }
        var bytes = segment
        var records: [RecordedEvent] = []
        var groups: [UInt64] = []
        var scanner = SegmentScanner(name: name, basePosition: 0, isLast: isLast, verifyPayloads: true, redactionIntents: [:])
        scanner.format = header.format
        let result = try scanner.scan(&bytes, previousChain: RecordCodec.genesis(logID: header.logID)) {
            (frame, frameBytes) throws(EventLogError) in
            records.append(try frame.event(in: frameBytes))
            groups.append(frame.group)
        }
        records.removeLast(records.count - result.offsets.count)
        groups.removeLast(groups.count - result.offsets.count)
        return Scanned(records: records, offsets: result.offsets.map { Int($0) }, groups: groups, end: result.end,
                       chain: result.chain, endsCleanly: result.tail == .clean)
    }

    /// `segment` with every frame's checksum made right, and its chain value too when `rechain`,
    /// walking the frames by their length fields as far as they go. A fuzzer cannot find a CRC-32C
    /// or a BLAKE2b value by mutation; this lets it reach the checks behind them.
    package static func resealed(_ segment: [UInt8], rechain: Bool) -> [UInt8] {
        var bytes = segment
        guard bytes.count >= SegmentHeader.count else { return bytes }
        let logID = bytes.withUnsafeBytes { ID16(reading: UnsafeRawBufferPointer(rebasing: $0[16..<32])) }
        var previous = RecordCodec.genesis(logID: logID)
        var offset = SegmentHeader.count
        bytes.withUnsafeMutableBytes { all in
            while offset + RecordCodec.frameOverhead + RecordCodec.bodyHeaderCount <= all.count {
                let bodyCount = Int(UInt32(littleEndian: all.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                let frameCount = bodyCount + RecordCodec.frameOverhead
                guard bodyCount >= RecordCodec.bodyHeaderCount, offset + frameCount <= all.count else { return }
                let frame = UnsafeMutableRawBufferPointer(rebasing: all[offset..<(offset + frameCount)])
                let body = UnsafeRawBufferPointer(rebasing: frame[4...])
                let variableCount = Int(UInt16(littleEndian: body.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                    + Int(UInt16(littleEndian: body.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
                    + Int(UInt32(littleEndian: body.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
                if rechain && RecordCodec.bodyHeaderCount + variableCount <= bodyCount {
                    let chain = RecordCodec.chain(previous: previous, body: body, variableCount: variableCount)
                    chain.withUnsafeBytes {
                        frame.baseAddress!.advanced(by: 4 + RecordCodec.offsetChain).copyMemory(from: $0.baseAddress!, byteCount: 32)
                    }
                }
                let chainStart = 4 + RecordCodec.offsetChain
                previous = Digest32(reading: UnsafeRawBufferPointer(rebasing: frame[chainStart..<(chainStart + 32)]))
                RecordCodec.resealChecksum(frame: frame)
                offset += frameCount
            }
        }
        return bytes
    }
}
