#if canImport(Glibc)
import Glibc
#endif
public import Sodium

/// What `LogBackup.backup` did.
public struct BackupReport: Hashable, Sendable {
    /// The manifest written and read back.
    public let manifest: BackupManifest
    /// Bytes of segment files copied by this backup (only what is new since the previous one).
    public let bytesCopied: Int
    /// Bytes the backup holds in all (the sum of the segment lengths).
    public let totalBytes: Int
    /// Whether a previous backup was extended (false: the first backup into this directory).
    public let extendedPrevious: Bool
    /// Records the live log had zeroed (erased, docs/PRIVACY.md) that this backup zeroed in its copies.
    public let erasedInCopies: Int
}

/// Copies a live log into a backup directory, incrementally and consistently (docs/OPERATIONS.md,
/// "Backups"; the manifest: docs/LOG-FORMAT.md, "Backup manifest").
///
/// The log is append-only, so the backup directory's segment files are the live ones cut at a
/// record boundary. Each backup reads only what follows the previous backup's end in the segment it
/// ended in (and any newer segments), checks it as recovery would — frames, checksums, positions,
/// payload hashes and the chain from the previous head — and stops at the end of the last whole
/// batch, never in a torn or still-being-written tail. It then fdatasyncs the live segment, so every
/// record copied is durable on the relay's disk too, appends the new bytes to the copies, verifies the
/// whole backup, and only then replaces the signed manifest (temporary file, fsync, rename). Until that
/// rename the previous manifest stands, and it describes a prefix of each copy that nothing changed:
/// a backup that fails half-way leaves the previous one whole and usable.
public enum LogBackup {
    public static let manifestName = "manifest"
    public static let segmentsFolder = "segments"

    public static func backup(dataDirectory: String, to target: String, key: SigningKeyPair,
                              nowMilliseconds: UInt64) throws(BackupError) -> BackupReport {
        guard BackupFiles.isDirectory(dataDirectory) else {
            throw BackupError(.missingDirectory, path: dataDirectory, "the data directory does not exist or is not a directory")
        }
        let live = try liveSegments(dataDirectory)
        try BackupFiles.makeDirectory(target)
        // Two backups into one directory at once would append to the same copies.
        let lock: DirectoryLock
        do { lock = try DirectoryLock(directory: target) } catch where error.code == .locked {
            throw BackupError(.writeFailed, path: target, "another backup into this directory is running")
        } catch {
            throw BackupError.from(error, path: target, writing: true)
        }
        defer { lock.release() }
        let segmentsDirectory = target + "/" + segmentsFolder
        try BackupFiles.makeDirectory(segmentsDirectory)
        let manifestPath = target + "/" + manifestName
        var previous: BackupManifest?
        if BackupFiles.exists(manifestPath) {
            previous = try BackupManifest(parsing: try BackupFiles.read(manifestPath), path: manifestPath, trusting: key.publicKey)
        }
        if let previous { try checkExtends(previous, live: live, dataDirectory: dataDirectory) }

        var logID = previous?.head.logID
        var chain = previous.map { $0.head.chain }
        var count = previous?.head.count ?? 0
        var head = (segment: previous?.headSegment ?? live[0].name, offset: previous?.headOffset ?? SegmentHeader.count)
        var segments: [BackupManifest.Segment] = []
        var copied = 0
        for (number, entry) in live.enumerated() {
            let earlier = previous?.segments.first { $0.name == entry.name }
            if let earlier, earlier.name != previous?.segments.last?.name {
                segments.append(earlier)  // a closed segment the previous backup holds whole
                continue
            }
            let livePath = dataDirectory + "/" + entry.name
            let copyPath = segmentsDirectory + "/" + entry.name
            let start = earlier?.length ?? 0
            let fresh = try BackupFiles.read(livePath, from: start)
            // Read after the segment: a redaction that rewrote a record while it was read had written its intent first.
            let intents: [RedactionJournal.Entry]
            do { intents = try RedactionJournal.pendingIntents(directory: dataDirectory) } catch {
                throw BackupError.from(error, path: dataDirectory + "/" + RedactionJournal.fileName)
            }
            let isLast = number == live.count - 1
            // A creation a crash interrupted (the header never reached the disk): the next open removes it.
            if start == 0 && isLast && number > 0 && fresh.count <= SegmentHeader.count && fresh.allSatisfy({ $0 == 0 }) { break }
            let headerBytes = start == 0 ? Array(fresh.prefix(SegmentHeader.count))
                                         : try BackupFiles.read(livePath, from: 0, count: SegmentHeader.count)
            let header: SegmentHeader
            do { header = try SegmentHeader.decode(headerBytes, segment: entry.name) } catch { throw BackupError.from(error, path: livePath) }
            if logID == nil { logID = header.logID }
            guard header.logID == logID, header.basePosition == entry.base, entry.base <= count, start > 0 || entry.base == count else {
                throw BackupError(.diverged, path: livePath, "the segment does not follow the log (log id \(header.logID), "
                                  + "first position \(header.basePosition), \(count) events before it)")
            }
            // The scanner reads a whole segment; new bytes are scanned behind a copy of the header, so
            // offsets in `buffer` are the file's minus `shift`.
            var buffer = start == 0 ? fresh : headerBytes + fresh
            let shift = start == 0 ? 0 : start - SegmentHeader.count
            let segmentIntents = Dictionary(RedactionJournal.byOffset(intents, inSegment: entry.base).compactMap { offset, position in
                offset >= start ? (offset - shift, position) : nil
            }, uniquingKeysWith: { a, _ in a })
            var scanner = SegmentScanner(name: entry.name, basePosition: entry.base, isLast: isLast, verifyPayloads: true,
                                         redactionIntents: segmentIntents)
            scanner.format = header.format
            let result: SegmentScanner.Result
            do {
                result = try scanner.scan(&buffer, previousChain: chain ?? RecordCodec.genesis(logID: header.logID),
                                          startOffset: SegmentHeader.count, startPosition: count) { _, _ in }
            } catch {
                throw BackupError(.chainMismatch, path: livePath, "the live log does not verify: \(error)")
            }
            // What was read is durable once the relay's segment is flushed; copy it only then.
            try BackupFiles.flush(livePath)
            let newBytes = Array(buffer[(start == 0 ? 0 : SegmentHeader.count)..<result.end])
            try BackupFiles.write(newBytes, to: copyPath, at: start)
            copied += newBytes.count
            let length = result.end + shift
            segments.append(BackupManifest.Segment(name: entry.name, length: length,
                                                   hash: BackupFiles.hash(try BackupFiles.read(copyPath, from: 0, count: length))))
            if let last = result.offsets.last { head = (entry.name, Int(last) + shift) }
            if start == 0 && result.offsets.isEmpty && count == 0 { head = (entry.name, SegmentHeader.count) }
            chain = result.chain
            count = result.nextPosition
        }
        guard let logID, let chain else { throw BackupError(.unreadable, path: dataDirectory, "no segment holds a log header") }
        let erased = try applyErasures(from: dataDirectory, to: segmentsDirectory, segments: &segments)
        try removeStrays(segmentsDirectory, keeping: Set(segments.map(\.name)))
        try BackupFiles.syncDirectory(segmentsDirectory)

        let expected = LogHead(logID: logID, count: count, chain: chain)
        try verifyCopies(segmentsDirectory, segments: segments, head: expected)
        let manifest = BackupManifest(head: expected, headSegment: head.segment, headOffset: head.offset,
                                      createdMilliseconds: nowMilliseconds, segments: segments, signingWith: key)
        try BackupFiles.writeAtomically(manifest.encoded, to: manifestPath, directory: target)
        let readBack = try BackupManifest(parsing: try BackupFiles.read(manifestPath), path: manifestPath, trusting: key.publicKey)
        guard readBack == manifest else { throw BackupError(.writeFailed, path: manifestPath, "the manifest read back differs from the one written") }
        return BackupReport(manifest: manifest, bytesCopied: copied, totalBytes: segments.reduce(0) { $0 + $1.length },
                            extendedPrevious: previous != nil, erasedInCopies: erased)
    }

    /// A backup extends its copies and never copies a segment twice, so a record the live log zeroed
    /// after it was copied would stay readable in the copy for as long as the backup is kept. Each
    /// frame the live log holds zeroed is written over the copy's at the same offset (the copies
    /// are byte for byte prefixes of the live segments; a redaction changes only its frame, and the
    /// chain, which covers the payload's hash, stays). A frame caught mid-rewrite does not scan and
    /// ends that segment's walk: the next backup finishes it. Returns how many frames it zeroed.
    static func applyErasures(from dataDirectory: String, to segmentsDirectory: String,
                              segments: inout [BackupManifest.Segment]) throws(BackupError) -> Int {
        var erased = 0
        for (index, segment) in segments.enumerated() {
            let live = try BackupFiles.read(dataDirectory + "/" + segment.name, from: 0, count: segment.length)
            let copyPath = segmentsDirectory + "/" + segment.name
            var copy: [UInt8]?
            var changed = false
            var offset = SegmentHeader.count
            while offset < live.count {
                let scan = live.withUnsafeBytes { DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                guard case .frame(let frame) = scan else { break }
                let end = offset + frame.frameCount
                if frame.isRedacted {
                    if copy == nil { copy = try BackupFiles.read(copyPath, from: 0, count: segment.length) }
                    if copy!.count >= end, !copy![offset..<end].elementsEqual(live[offset..<end]) {
                        try BackupFiles.overwrite(Array(live[offset..<end]), in: copyPath, at: offset)
                        copy!.replaceSubrange(offset..<end, with: live[offset..<end])
                        erased += 1
                        changed = true
                    }
                }
                offset = end
            }
            guard changed, let copy, copy.count == segment.length else { continue }
            segments[index] = BackupManifest.Segment(name: segment.name, length: segment.length, hash: BackupFiles.hash(copy))
        }
        return erased
    }

    /// The live log's segment files in position order.
    static func liveSegments(_ dataDirectory: String) throws(BackupError) -> [(name: String, base: UInt64)] {
        let live: [(name: String, base: UInt64)]
        do { live = try LogRecovery.segmentNames(in: POSIXSegmentStorage(directory: dataDirectory)) } catch {
            throw BackupError(.unreadable, path: dataDirectory, error.message)
        }
        guard !live.isEmpty else { throw BackupError(.unreadable, path: dataDirectory, "no segment files: not an event log's data directory") }
        return live
    }

    /// Refuses a live log that does not extend what the previous backup holds: its head record must
    /// still be where the manifest says, with the same position and chain value.
    static func checkExtends(_ previous: BackupManifest, live: [(name: String, base: UInt64)], dataDirectory: String) throws(BackupError) {
        let names = Set(live.map(\.name))
        for segment in previous.segments where !names.contains(segment.name) {
            throw BackupError(.diverged, path: dataDirectory + "/" + segment.name,
                              "the previous backup holds this segment, the data directory does not: another log, or a log restored from an older backup (back up into a new directory)")
        }
        let path = dataDirectory + "/" + previous.headSegment
        let header = try BackupFiles.read(path, from: 0, count: SegmentHeader.count)
        guard let decoded = try? SegmentHeader.decode(header, segment: previous.headSegment), decoded.logID == previous.head.logID else {
            throw BackupError(.diverged, path: path, "the data directory holds another log than the backup (log id \(previous.head.logID))")
        }
        guard previous.head.count > 0 else { return }
        let lengthBytes = try BackupFiles.read(path, from: previous.headOffset, count: 4)
        let bodyCount = lengthBytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        let frame = try BackupFiles.read(path, from: previous.headOffset, count: min(bodyCount, 32 << 20) + RecordCodec.frameOverhead)
        let scan = frame.withUnsafeBytes { DecodedFrame.scan($0) }
        guard case .frame(let record) = scan, record.position == previous.head.count - 1, record.chain == previous.head.chain else {
            throw BackupError(.diverged, path: path, "the record the previous backup ended with (position \(previous.head.count - 1), "
                              + "offset \(previous.headOffset)) is not there any more: the log was replaced or restored from an older "
                              + "backup (back up into a new directory)")
        }
    }

    /// Segment files a failed earlier attempt left that no manifest names.
    private static func removeStrays(_ directory: String, keeping names: Set<String>) throws(BackupError) {
        for name in try BackupFiles.list(directory) where !names.contains(name) {
            _ = unlink(directory + "/" + name)
        }
    }

    /// Reads every copy back: lengths and hashes as the manifest will say, then the whole log as
    /// `log verify` walks it, which must end exactly at `head`.
    static func verifyCopies(_ directory: String, segments: [BackupManifest.Segment], head: LogHead) throws(BackupError) {
        let verified: LogVerification
        do { verified = try LogVerifier.verify(directory: directory) } catch {
            throw BackupError(.chainMismatch, path: directory + "/" + (error.segment ?? ""), "the copy does not verify: \(error)")
        }
        guard verified.head == head, verified.incompleteTailBytes == 0 else {
            throw BackupError(.chainMismatch, path: directory, "the copy verifies to \(verified.head), not to the head read (\(head))")
        }
    }
}
