/// A verbatim copy of another log, kept by a supervisor's client beside its replica
/// (`$NETREACH_HOME/relay-log`): the relay's records with their own positions, streams, versions,
/// ids, types, authors, times, metadata, payloads (zeros when redacted), payload hashes and chain
/// values, in segment files of the relay's log id. It is a log `log verify` reads and the relay
/// opens: `netreach-relay restore --from-replica` installs its segments (docs/OPERATIONS.md, "Backups").
///
/// Only two things differ from the relay's own files, both outside the chain (docs/LOG-FORMAT.md):
/// each record is written as its own batch and write group (`group` = its position, *batch
/// continues* clear), since the relay's grouping depended on timing and is not sent; and segment
/// boundaries are the mirror's own.
///
/// `append` is the narrow API that writes records with given positions and chain values: it
/// refuses any record that does not continue the copy — position, chain value recomputed from the
/// previous record, payload hash — so the copy is a chain-verified prefix of the log it copies.
public final class LogMirror {
    public let directory: String
    /// The copy's head; nil while it holds no segment.
    public private(set) var head: LogHead?
    private var last: (file: SegmentFile, end: Int)?
    private let storage: POSIXSegmentStorage
    private let lock: DirectoryLock
    private let segmentSize: Int

    /// Opens (or creates) the copy in `directory`, walking it as `log verify` does. A torn tail left
    /// by a crash during an append of the copy's own is cut (its records can be fetched again).
    public init(directory: String, segmentSize: Int = 64 << 20) throws(EventLogError) {
        self.directory = directory
        self.segmentSize = segmentSize
        try FileSystem.createDirectory(directory)
        lock = try DirectoryLock(directory: directory)
        storage = POSIXSegmentStorage(directory: directory)
        guard let lastName = try LogRecovery.segmentNames(in: storage).last else { return }
        let verified = try LogVerifier.verify(directory: directory)
        let file = try SegmentFile.open(storage: storage, name: lastName.name, basePosition: lastName.base)
        let end = try file.size() - verified.incompleteTailBytes
        if verified.incompleteTailBytes > 0 {
            try file.truncate(to: end)
            try file.sync()
        }
        head = verified.head
        last = (file, end)
    }

    /// Gives up the copy's lock.
    public func close() { lock.release() }

    /// Appends the records of log `logID` that follow the copy's head. Records before the head are
    /// skipped, except the head's own record, whose chain value must be the copy's (otherwise the log
    /// no longer extends the copy: `checkpointMismatch`, and nothing is written). Returns how many
    /// records were appended; they are durable (fdatasync) when it returns.
    @discardableResult
    public func append(_ records: [RecordedEvent], logID: LogID) throws(EventLogError) -> Int {
        if let head, head.logID != logID {
            throw EventLogError(code: .checkpointMismatch, "the copy in \(directory) is of log \(head.logID), the records of log \(logID)")
        }
        var count = head?.count ?? 0
        var chain = head?.chain ?? RecordCodec.genesis(logID: logID)
        var frames: [UInt8] = []
        var appended = 0
        for record in records {
            if record.position + 1 < count { continue }
            if record.position + 1 == count {
                guard record.chain == chain else {
                    throw EventLogError(code: .checkpointMismatch, "the log no longer extends the copy in \(directory): its record "
                                        + "at position \(record.position) differs from the copy's", position: record.position)
                }
                continue
            }
            guard record.position == count else {
                throw EventLogError(code: .positionGap, "expected position \(count), got \(record.position)", position: count)
            }
            guard RecordCodec.chain(of: record, previous: chain) == record.chain else {
                throw EventLogError(code: .brokenChain, "the record's chain value does not follow from the previous record", position: record.position)
            }
            if !record.isRedacted {
                guard record.payload.count == record.payloadLength, RecordCodec.payloadHash(record.payload) == record.payloadHash else {
                    throw EventLogError(code: .corruptRecord, "the payload is missing or does not match its hash", position: record.position)
                }
            }
            let frame = SegmentDecoding.encodeFrame(record, batchContinues: false, group: record.position)
            if let current = last, current.end + frames.count > SegmentHeader.count, current.end + frames.count + frame.count > segmentSize {
                try flush(&frames)
                last = (try SegmentFile.create(storage: storage, basePosition: record.position, logID: logID), SegmentHeader.count)
            } else if last == nil {
                last = (try SegmentFile.create(storage: storage, basePosition: record.position, logID: logID), SegmentHeader.count)
            }
            frames += frame
            chain = record.chain
            count += 1
            appended += 1
        }
        try flush(&frames)
        if appended > 0 || head == nil && last != nil { head = LogHead(logID: logID, count: count, chain: chain) }
        return appended
    }

    /// Zeroes the payloads of the copy's records at `positions` that are not zeroed yet, as the relay
    /// did when it erased them (docs/PRIVACY.md): each frame is rewritten in place with its redacted
    /// flag set and its checksum resealed; the chain, which covers only the payload's hash, is
    /// unchanged. Positions the copy does not hold are ignored. Returns how many were zeroed; they
    /// are durable (fsync) when it returns.
    @discardableResult
    public func redact(positions: Set<UInt64>) throws(EventLogError) -> Int {
        guard let head, !positions.isEmpty else { return 0 }
        let wanted = positions.filter { $0 < head.count }
        guard !wanted.isEmpty else { return 0 }
        let segments = try LogRecovery.segmentNames(in: storage)
        var redacted = 0
        for (index, segment) in segments.enumerated() {
            let end = index + 1 < segments.count ? segments[index + 1].base : head.count
            guard wanted.contains(where: { $0 >= segment.base && $0 < end }) else { continue }
            let file = try SegmentFile.open(storage: storage, name: segment.name, basePosition: segment.base)
            let bytes = try file.read(count: try file.size(), at: 0)
            var offset = SegmentHeader.count
            var changed = false
            while offset < bytes.count {
                let scan = bytes.withUnsafeBytes { DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                guard case .frame(let frame) = scan else { break }
                if wanted.contains(frame.position) && !frame.isRedacted {
                    var copy = Array(bytes[offset..<(offset + frame.frameCount)])
                    Redaction.apply(to: &copy)
                    try file.write(copy, at: offset)
                    changed = true
                    redacted += 1
                }
                offset += frame.frameCount
            }
            if changed { try file.sync() }
        }
        return redacted
    }

    private func flush(_ frames: inout [UInt8]) throws(EventLogError) {
        guard !frames.isEmpty, let current = last else { return }
        try current.file.write(frames, at: current.end)
        try current.file.sync()
        last = (current.file, current.end + frames.count)
        frames.removeAll(keepingCapacity: true)
    }
}
