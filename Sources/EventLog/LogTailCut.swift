import Glibc

/// What `LogTailCut.cut` did.
public struct TailCut: Hashable, Sendable {
    /// The first position cut: where opening the log stopped on damage.
    public let position: UInt64
    public let segment: String
    /// Where the cut record started in the segment, and how many bytes from there to the end were cut.
    public let offset: Int
    public let bytesCut: Int
    /// Whole, checksum-valid records among the cut bytes: events that may have been acknowledged
    /// and are now gone from the log (they are still in `savedAs`).
    public let recordsDiscarded: Int
    /// The file in the data directory that holds the cut bytes, unchanged.
    public let savedAs: String
    /// What the next open found: the head, and what it cut of an incomplete batch before `position`.
    public let recovery: RecoveryReport
    public let eventsAfter: UInt64
}

/// The break-glass tool for a last segment the open refuses (docs/OPERATIONS.md). Since format 2
/// the open cuts a torn last write by itself; what it refuses is damage to durable data, records
/// that were (or, in a format-1 segment, may have been) acknowledged. Cutting there discards
/// acknowledged events, so it is done only when asked with `discardAcknowledged`, after the
/// damaged record and everything after it are saved to a file.
public enum LogTailCut {
    /// Cuts the last segment at `position`. Refused while another process has the log open, when
    /// the log opens as it is (a torn last write is cut by the open itself), unless opening it
    /// stops on damage at exactly `position` in its last segment, and unless `discardAcknowledged`.
    public static func cut(directory: String, at position: UInt64, discardAcknowledged: Bool) throws(EventLogError) -> TailCut {
        let lock = try DirectoryLock(directory: directory)
        defer { lock.release() }
        let storage = POSIXSegmentStorage(directory: directory)
        guard let last = try LogRecovery.segmentNames(in: storage).last else {
            throw EventLogError(code: .notFound, "no segment files in \(directory)")
        }
        let failure: EventLogError
        do throws(EventLogError) {
            _ = try LogRecovery.open(directory: directory, storage: storage)
            throw EventLogError(code: .cutRefused,
                                "the log opens as it is (a torn last write is cut by the open itself): there is nothing to cut")
        } catch {
            failure = error
        }
        let cuttable: [EventLogError.Code] = [.corruptRecord, .brokenChain, .positionGap]
        guard cuttable.contains(failure.code), failure.segment == last.name, failure.position == position else {
            if failure.code == .cutRefused { throw failure }
            throw EventLogError(code: .cutRefused, "opening the log stops on \(failure), not on damage at position "
                                + "\(position) of the last segment (\(last.name)); only that can be cut")
        }
        let segment = try SegmentFile.open(storage: storage, name: last.name, basePosition: last.base)
        let bytes = try segment.read(count: try segment.size(), at: 0)
        // The records before `position` are whole (the open checked them): walk to the cut's offset.
        var offset = SegmentHeader.count
        var next = last.base
        while next < position {
            let scan = bytes.withUnsafeBytes { DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard case .frame(let frame) = scan, frame.position == next else {
                throw EventLogError(code: .cutRefused, "the record at position \(next) is not whole", position: next, segment: last.name)
            }
            offset += frame.frameCount
            next += 1
        }
        let discarded = wholeRecords(in: bytes, from: offset, position: position)
        guard discardAcknowledged else {
            throw EventLogError(code: .cutRefused,
                                "the open refused this log because \(failure.message). Cutting at position \(position) "
                                + "discards the damaged record and \(discarded) whole record(s) after it, which were or may "
                                + "have been acknowledged. Restore from a backup instead if you can; cut only with "
                                + "--discard-acknowledged, which saves them first",
                                position: position, segment: last.name)
        }
        let saved = "cut-tail-\(position).bin"
        guard access(directory + "/" + saved, F_OK) != 0 else {
            throw EventLogError(code: .cutRefused, "\(saved) already exists in \(directory); move it elsewhere first")
        }
        try FileSystem.writeAtomically(Array(bytes[offset...]), to: directory + "/" + saved, directory: directory)
        // The snapshot proves the discarded events were stored, so the next open would refuse the
        // shorter log; it is only a cache, and after a deliberate discard it is wrong.
        if let snapshot = IndexSnapshot.load(directory: directory), snapshot.count > position {
            try IndexSnapshot.remove(directory: directory)
        }
        try segment.truncate(to: offset)
        try segment.sync()
        let reopened = try LogRecovery.open(directory: directory, storage: storage)
        return TailCut(position: position, segment: last.name, offset: offset, bytesCut: bytes.count - offset,
                       recordsDiscarded: discarded, savedAs: saved, recovery: reopened.report, eventsAfter: reopened.index.count)
    }

    /// Checksum-valid frames with positions from `position` on, anywhere from `offset` to the end.
    private static func wholeRecords(in bytes: [UInt8], from offset: Int, position: UInt64) -> Int {
        bytes.withUnsafeBytes { all in
            var count = 0
            var candidate = offset
            while candidate + RecordCodec.frameOverhead + RecordCodec.bodyHeaderCount <= all.count {
                if all[candidate + 4] == RecordCodec.kindEvent,
                   case .frame(let frame) = DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: all[candidate...])),
                   frame.position >= position {
                    count += 1
                    candidate += frame.frameCount
                    continue
                }
                candidate += 1
            }
            return count
        }
    }
}
