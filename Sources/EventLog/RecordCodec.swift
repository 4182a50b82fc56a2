import Sodium

/// The bytes of a record frame (docs/LOG-FORMAT.md, "Record frame"): encoding, checksum, chain.
public enum RecordCodec {
    static let bodyHeaderCount = 152
    static let frameOverhead = 8
    static let maximumMetadataCount = 64 * 1024
    static let maximumPayloadCount = 8 * 1024 * 1024
    static let kindEvent: UInt8 = 1
    static let flagRedacted: UInt8 = 1
    static let flagBatchContinues: UInt8 = 2

    // Field offsets in the body.
    static let offsetFlags = 1
    static let offsetPayloadHash = 72
    static let offsetChain = 104
    /// `group` (format 2): the position of the first record of the write this record was made in.
    static let offsetGroup = 136
    static let offsetReserved = 144

    /// The chain value before the first record of a log.
    public static func genesis(logID: LogID) -> Digest32 {
        let input = Array("netreach/v1/log-genesis".utf8) + [0] + logID.bytes
        return try! Digest32(GenericHash.hash(input, outputCount: 32))
    }

    /// The hash of a payload as the chain takes it in (for a store other than the file store).
    package static func payloadHash(of payload: [UInt8]) -> Digest32 { payloadHash(payload) }

    static func payloadHash(_ payload: some ByteInput) -> Digest32 {
        payload.withByteInput { bytes in
            withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { output in
                try! GenericHash.hash(bytes, into: output)
                return Digest32(reading: UnsafeRawBufferPointer(output))
            }
        }
    }

    /// The chain value of a record body whose `payloadHash` field is filled in; `flags` are excluded.
    /// The chain input is assembled on the stack when it is small, so the common case allocates nothing.
    static func chain(previous: Digest32, body: UnsafeRawBufferPointer, variableCount: Int) -> Digest32 {
        let inputCount = 32 + offsetPayloadHash + (bodyHeaderCount - offsetGroup) + variableCount + 32
        return withUnsafeTemporaryAllocation(byteCount: inputCount, alignment: 8) { input in
            var at = 0
            func put(_ bytes: UnsafeRawBufferPointer) {
                input.baseAddress!.advanced(by: at).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                at += bytes.count
            }
            previous.withUnsafeBytes { put($0) }
            put(UnsafeRawBufferPointer(rebasing: body[0..<offsetPayloadHash]))
            input[32 + offsetFlags] = 0
            // `group` depends on timing, so it is outside the chain: eight zero bytes stand in for it.
            let groupAt = at
            put(UnsafeRawBufferPointer(rebasing: body[offsetGroup..<(bodyHeaderCount + variableCount)]))
            UnsafeMutableRawBufferPointer(rebasing: input[groupAt..<(groupAt + 8)]).initializeMemory(as: UInt8.self, repeating: 0)
            put(UnsafeRawBufferPointer(rebasing: body[offsetPayloadHash..<offsetChain]))
            return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { output in
                try! GenericHash.hash(UnsafeRawBufferPointer(input), into: output)
                return Digest32(reading: UnsafeRawBufferPointer(output))
            }
        }
    }

    /// Checks an event's sizes before anything is written.
    package static func validate(_ event: ProposedEvent) throws(EventLogError) {
        guard event.metadata.count <= maximumMetadataCount else {
            throw EventLogError(code: .invalidEvent,
                                "metadata is at most \(maximumMetadataCount) bytes, got \(event.metadata.count)")
        }
        guard event.payload.count <= maximumPayloadCount else {
            throw EventLogError(code: .invalidEvent,
                                "a payload is at most \(maximumPayloadCount) bytes, got \(event.payload.count)")
        }
    }

    /// The number of bytes `event` takes on disk as a whole frame.
    static func frameCount(stream: StreamName, event: ProposedEvent) -> Int {
        frameOverhead + bodyHeaderCount + stream.value.utf8.count + event.type.value.utf8.count
            + event.metadata.count + event.payload.count
    }

    /// Appends the frame of `event` to `buffer` and returns its chain value.
    /// `group` is the position of the first record of the write the frame is part of (0 in format 1).
    static func encode(_ event: ProposedEvent, stream: StreamName, position: UInt64, version: UInt64, group: UInt64,
                       batchContinues: Bool, previous: Digest32, payloadHash: Digest32,
                       into buffer: inout [UInt8]) -> Digest32 {
        let streamCount = stream.value.utf8.count, typeCount = event.type.value.utf8.count
        let variableCount = streamCount + typeCount + event.metadata.count
        let bodyCount = bodyHeaderCount + variableCount + event.payload.count
        let start = buffer.count
        // Grown geometrically: `reserveCapacity` allocates exactly what it is asked for, so asking
        // for one more frame each time would copy a whole group's buffer once per record.
        let needed = start + bodyCount + frameOverhead
        if buffer.capacity < needed { buffer.reserveCapacity(max(needed, 2 * buffer.capacity)) }

        buffer.appendLittleEndian(UInt32(bodyCount))
        buffer.append(kindEvent)
        buffer.append(batchContinues ? flagBatchContinues : 0)
        buffer.appendLittleEndian(UInt16(streamCount))
        buffer.appendLittleEndian(UInt16(typeCount))
        buffer.appendLittleEndian(UInt16(0))
        buffer.appendLittleEndian(UInt32(event.metadata.count))
        buffer.appendLittleEndian(UInt32(event.payload.count))
        buffer.appendLittleEndian(position)
        buffer.appendLittleEndian(version)
        buffer.appendLittleEndian(event.timeMilliseconds)
        buffer.append(contentsOf: event.id.bytes)
        buffer.append(contentsOf: event.author.bytes)
        payloadHash.withUnsafeBytes { buffer.append(contentsOf: $0) }
        let chainOffset = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: 32))  // chain, filled in below
        buffer.appendLittleEndian(group)
        buffer.append(contentsOf: repeatElement(0, count: 8))  // reserved
        buffer.append(contentsOf: stream.value.utf8)
        buffer.append(contentsOf: event.type.value.utf8)
        buffer.append(contentsOf: event.metadata)
        buffer.append(contentsOf: event.payload)

        let chain = buffer.withUnsafeBytes { all in
            RecordCodec.chain(previous: previous,
                              body: UnsafeRawBufferPointer(rebasing: all[(start + 4)...]), variableCount: variableCount)
        }
        buffer.withUnsafeMutableBytes { all in
            chain.withUnsafeBytes { all.baseAddress!.advanced(by: chainOffset).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
        let crc = buffer.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        buffer.appendLittleEndian(crc)
        return chain
    }

    /// Recomputes a frame's checksum after its body changed in place (redaction).
    static func resealChecksum(frame: UnsafeMutableRawBufferPointer) {
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: frame[0..<(frame.count - 4)]))
        frame.storeBytes(of: crc.littleEndian, toByteOffset: frame.count - 4, as: UInt32.self)
    }
}

/// One frame found in a buffer, as far as its bytes allow.
enum FrameScan {
    /// A whole frame whose checksum holds and whose fields are consistent.
    case frame(DecodedFrame)
    /// The buffer ends before the frame does (the length may itself be cut).
    case incomplete
    /// The length field is zero: the start of a zero-filled region.
    case zero
    /// The frame is whole but its checksum or fields are wrong.
    case damaged(String)
}

/// The fixed fields of a frame, read without copying its variable parts.
struct DecodedFrame {
    let frameCount: Int
    let flags: UInt8
    let streamCount: Int
    let typeCount: Int
    let metadataCount: Int
    let payloadCount: Int
    let position: UInt64
    let version: UInt64
    let time: UInt64
    let id: EventID
    let author: AuthorID
    let payloadHash: Digest32
    let chain: Digest32
    /// The position of the first record of the write this one was made in (0 in a format-1 segment).
    let group: UInt64

    var isRedacted: Bool { flags & RecordCodec.flagRedacted != 0 }
    var batchContinues: Bool { flags & RecordCodec.flagBatchContinues != 0 }
    var variableCount: Int { streamCount + typeCount + metadataCount }

    /// Reads the frame at the start of `buffer`.
    static func scan(_ buffer: UnsafeRawBufferPointer) -> FrameScan {
        guard buffer.count >= 4 else { return buffer.allSatisfy({ $0 == 0 }) ? .zero : .incomplete }
        let bodyCount = Int(UInt32(littleEndian: buffer.loadUnaligned(as: UInt32.self)))
        if bodyCount == 0 { return .zero }
        guard bodyCount >= RecordCodec.bodyHeaderCount,
              bodyCount <= RecordCodec.bodyHeaderCount + 3 * 255 + RecordCodec.maximumMetadataCount
                + RecordCodec.maximumPayloadCount
        else { return .damaged("impossible record length \(bodyCount)") }
        let frameCount = bodyCount + RecordCodec.frameOverhead
        guard buffer.count >= frameCount else { return .incomplete }
        let stored = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: frameCount - 4, as: UInt32.self))
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<(frameCount - 4)])) == stored else {
            return .damaged("checksum mismatch")
        }
        let body = UnsafeRawBufferPointer(rebasing: buffer[4..<(4 + bodyCount)])
        func u16(_ o: Int) -> Int { Int(UInt16(littleEndian: body.loadUnaligned(fromByteOffset: o, as: UInt16.self))) }
        func u32(_ o: Int) -> Int { Int(UInt32(littleEndian: body.loadUnaligned(fromByteOffset: o, as: UInt32.self))) }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: body.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        let flags = body[1]
        let frame = DecodedFrame(
            frameCount: frameCount, flags: flags, streamCount: u16(2), typeCount: u16(4),
            metadataCount: u32(8), payloadCount: u32(12), position: u64(16), version: u64(24), time: u64(32),
            id: ID16(reading: UnsafeRawBufferPointer(rebasing: body[40..<56])),
            author: ID16(reading: UnsafeRawBufferPointer(rebasing: body[56..<72])),
            payloadHash: Digest32(reading: UnsafeRawBufferPointer(rebasing: body[72..<104])),
            chain: Digest32(reading: UnsafeRawBufferPointer(rebasing: body[104..<136])),
            group: u64(RecordCodec.offsetGroup))
        guard body[0] == RecordCodec.kindEvent else { return .damaged("unknown record kind \(body[0])") }
        guard flags & ~(RecordCodec.flagRedacted | RecordCodec.flagBatchContinues) == 0 else {
            return .damaged("unknown flags \(flags)")
        }
        guard (1...255).contains(frame.streamCount), (1...255).contains(frame.typeCount), u16(6) == 0,
              frame.metadataCount <= RecordCodec.maximumMetadataCount,
              frame.payloadCount <= RecordCodec.maximumPayloadCount,
              RecordCodec.bodyHeaderCount + frame.variableCount + frame.payloadCount == bodyCount,
              frame.group <= frame.position,
              body[RecordCodec.offsetReserved..<RecordCodec.bodyHeaderCount].allSatisfy({ $0 == 0 })
        else { return .damaged("inconsistent record fields") }
        // docs/LOG-FORMAT.md: a redacted payload is all zero. Bytes left there would be the content
        // the redaction promised to destroy, behind a flag that says it is gone.
        guard !frame.isRedacted
                || body[(RecordCodec.bodyHeaderCount + frame.variableCount)..<bodyCount].allSatisfy({ $0 == 0 })
        else { return .damaged("a redacted record's payload is not all zero") }
        return .frame(frame)
    }

    /// The event this frame holds; `buffer` starts at the frame.
    func event(in buffer: UnsafeRawBufferPointer) throws(EventLogError) -> RecordedEvent {
        var offset = 4 + RecordCodec.bodyHeaderCount
        func take(_ count: Int) -> UnsafeRawBufferPointer {
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
        }
        let stream = try LogName(decoding: take(streamCount))
        let type = try LogName(decoding: take(typeCount))
        let metadata = Array(take(metadataCount))
        let payload = isRedacted ? [] : Array(take(payloadCount))
        return RecordedEvent(position: position, stream: stream, streamVersion: version, id: id, type: type,
                             author: author, timeMilliseconds: time, metadata: metadata, payload: payload,
                             payloadLength: payloadCount, payloadHash: payloadHash, chain: chain, isRedacted: isRedacted)
    }

    /// The chain value this frame's content implies, given the previous one.
    func expectedChain(previous: Digest32, in buffer: UnsafeRawBufferPointer) -> Digest32 {
        RecordCodec.chain(previous: previous, body: UnsafeRawBufferPointer(rebasing: buffer[4...]),
                          variableCount: variableCount)
    }

    /// Whether the payload bytes hash to the stored payload hash (always true for a redacted record).
    func payloadMatchesHash(in buffer: UnsafeRawBufferPointer) -> Bool {
        if isRedacted { return true }
        let start = 4 + RecordCodec.bodyHeaderCount + variableCount
        return RecordCodec.payloadHash(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + payloadCount)])) == payloadHash
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
