// libFuzzer harness for the event log's decoders (docs/RELIABILITY.md, "Fuzzing"; build and run with ops/fuzz).
// A plain `swift build` compiles this file into an executable that does nothing.
import EventLog

/// The input is a segment file, header included. It is scanned as recovery scans a last segment
/// and a middle one, its first frame is decoded on its own, and the same two are done again with
/// the checksums, then the chain values too, made right, so that mutations reach the checks behind them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // No copy: ASan sees an allocation of exactly the input's size.
    let input = UnsafeRawBufferPointer(start: data, count: size)
    checkFrame(input)
    if size > 64 { checkFrame(UnsafeRawBufferPointer(rebasing: input[64...])) }
    let segment = Array(input)
    checkSegment(segment, isLast: true)
    checkSegment(segment, isLast: false)
    for bytes in [SegmentDecoding.resealed(segment, rechain: false), SegmentDecoding.resealed(segment, rechain: true)] {
        checkSegment(bytes, isLast: true)
        checkSegment(bytes, isLast: false)
        if bytes.count > 64 { bytes.withUnsafeBytes { checkFrame(UnsafeRawBufferPointer(rebasing: $0[64...])) } }
    }
    return 0
}

/// A decoded frame re-encodes to exactly the bytes it was read from; anything else is a typed error.
func checkFrame(_ bytes: UnsafeRawBufferPointer) {
    guard let (event, batchContinues, group, frameCount) = try? SegmentDecoding.decodeFrame(bytes) else { return }
    precondition(frameCount <= bytes.count, "a frame longer than its input")
    precondition(SegmentDecoding.encodeFrame(event, batchContinues: batchContinues, group: group) == Array(bytes[0..<frameCount]),
                 "a decoded frame does not re-encode to its bytes")
}

/// A scanned segment holds records at positions 0, 1, … that re-encode to the bytes at their
/// offsets, and cutting it at the end it reports (as recovery does) leaves a segment that scans
/// cleanly to the same records and chain.
func checkSegment(_ bytes: [UInt8], isLast: Bool) {
    guard let scanned = try? SegmentDecoding.scan(bytes, isLast: isLast) else { return }
    precondition(scanned.end >= 64 && scanned.end <= bytes.count, "the end is outside the segment")
    precondition(isLast || scanned.endsCleanly, "a middle segment with a torn tail was accepted")
    precondition(scanned.records.count == scanned.offsets.count)
    for (number, (event, offset)) in zip(scanned.records, scanned.offsets).enumerated() {
        precondition(event.position == UInt64(number), "positions are not 0, 1, …")
        let frame = SegmentDecoding.encodeFrame(event, batchContinues: false, group: scanned.groups[number])
        precondition(offset + frame.count <= scanned.end, "a record reaches past the end")
        // The batch flag (body byte 1, bit 1) is the one field the event does not carry.
        var stored = Array(bytes[offset..<(offset + frame.count)])
        stored[5] &= ~2
        var expected = frame
        expected[5] &= ~2
        precondition(stored.prefix(stored.count - 4) == expected.prefix(expected.count - 4),
                     "a scanned record does not re-encode to its bytes")
    }
    guard let again = try? SegmentDecoding.scan(Array(bytes[0..<scanned.end]), isLast: true) else {
        preconditionFailure("the segment cut at its reported end does not scan")
    }
    precondition(again.endsCleanly && again.records == scanned.records && again.chain == scanned.chain,
                 "the segment cut at its reported end scans differently")
}
