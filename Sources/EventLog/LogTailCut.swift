import Glibc

/// What `LogTailCut.cut` did.
public struct TailCut: Hashable, Sendable {
    /// The first position cut: where opening the log stopped on damage.
    public let position: UInt64
    public let segment: String
    /// Where the cut record started in the segment, and how many bytes from there to the end were cut.
    public let offset: Int
    public let bytesCut: Int
    /// The file in the data directory that holds the cut bytes, unchanged.
    public let savedAs: String
    /// What the next open found: the head, and what it cut of an incomplete batch before `position`.
    public let recovery: RecoveryReport
    public let eventsAfter: UInt64
}

/// The operator's way out when a power cut left the log's last group half on disk: a sector of it
/// reached the disk and an earlier one did not, so a hole is followed by whole records, and the
/// open refuses it as damage (it cannot tell that from damage to flushed records, so it does not
/// guess; docs/LOG-FORMAT.md, "A power cut"). Everything from the damaged record to the end of the
/// last segment is saved to a file and then cut; nothing before it is touched.
public enum LogTailCut {
    /// Cuts the last segment at `position`. Refused while another process has the log open, when
    /// the log opens as it is, and unless opening it stops on damage at exactly `position` in its
    /// last segment.
    public static func cut(directory: String, at position: UInt64) throws(EventLogError) -> TailCut {
        let lock = try DirectoryLock(directory: directory)
        defer { lock.release() }
        guard let last = try LogRecovery.segmentNames(in: directory).last else {
            throw EventLogError(code: .notFound, "no segment files in \(directory)")
        }
        let failure: EventLogError
        do throws(EventLogError) {
            _ = try LogRecovery.open(directory: directory)
            throw EventLogError(code: .cutRefused, "the log opens as it is: there is nothing to cut")
        } catch {
            failure = error
        }
        let cuttable: [EventLogError.Code] = [.corruptRecord, .brokenChain, .positionGap]
        guard cuttable.contains(failure.code), failure.segment == last.name, failure.position == position else {
            if failure.code == .cutRefused { throw failure }
            throw EventLogError(code: .cutRefused, "opening the log stops on \(failure), not on damage at position "
                                + "\(position) of the last segment (\(last.name)); only that can be cut")
        }
        let segment = try SegmentFile.open(directory: directory, name: last.name, basePosition: last.base)
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
        let saved = "cut-tail-\(position).bin"
        guard access(directory + "/" + saved, F_OK) != 0 else {
            throw EventLogError(code: .cutRefused, "\(saved) already exists in \(directory); move it elsewhere first")
        }
        try FileSystem.writeAtomically(Array(bytes[offset...]), to: directory + "/" + saved, directory: directory)
        try segment.truncate(to: offset)
        try segment.sync()
        let reopened = try LogRecovery.open(directory: directory)
        return TailCut(position: position, segment: last.name, offset: offset, bytesCut: bytes.count - offset, savedAs: saved,
                       recovery: reopened.report, eventsAfter: reopened.index.count)
    }
}
