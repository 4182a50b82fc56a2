public import Sodium

/// What a restore from a supervisor's copy of the log made.
public struct MirrorRestoreReport: Hashable, Sendable {
    public let restore: RestoreReport
    /// The last checkpoint signed by the relay key that the copy holds, and proves.
    public let checkpoint: LogHead
    /// Bytes at the end of the copy that were not a whole record (a crash of the copying client), left out.
    public let droppedTailBytes: Int
    /// Events after that checkpoint: chained to it, but not yet covered by a relay signature.
    public var eventsAfterCheckpoint: UInt64 { restore.head.count - checkpoint.count }
}

extension LogRestore {
    /// Rebuilds a data directory from a `LogMirror` copy in `directory` (a supervisor's
    /// `$NETREACH_HOME/relay-log`). The copy must verify as `log verify` walks it (a torn tail left
    /// by a crash of the copying client is left out), and it must hold at least one checkpoint signed
    /// by `trusted` whose head the copy's own chain matches: `checkpoint` reads the signed head and
    /// signature from a record, or returns nil for records that are not checkpoints. A checkpoint record that does not verify
    /// under `trusted`, or that names a history other than the copy's, is refused.
    public static func restore(fromMirror directory: String, to target: String, trusting trusted: SigningPublicKey,
                               checkpoint: (RecordedEvent) -> (head: LogHead, signature: Signature)?) throws(BackupError) -> MirrorRestoreReport {
        guard BackupFiles.isDirectory(directory) else {
            throw BackupError(.missingDirectory, path: directory, "no copy of the relay's log here (run `netreach verify` as a supervisor to make one)")
        }
        let verified: LogVerification
        do { verified = try LogVerifier.verify(directory: directory) } catch {
            if error.code == .notFound { throw BackupError(.unreadable, path: directory, "the copy holds no segment file") }
            throw BackupError(.chainMismatch, path: directory + "/" + (error.segment ?? ""), "the copy does not verify: \(error)")
        }
        try checkTarget(target)
        let names: [(name: String, base: UInt64)]
        do { names = try LogRecovery.segmentNames(in: POSIXSegmentStorage(directory: directory)) } catch {
            throw BackupError(.unreadable, path: directory, error.message)
        }
        var chains: [Digest32] = []
        var latest: Checkpoint?
        let genesis = RecordCodec.genesis(logID: verified.head.logID)
        let restored = try install(head: verified.head, into: target, source: directory) { (temporary) throws(BackupError) in
            var written = 0
            for (number, entry) in names.enumerated() {
                let path = directory + "/" + entry.name
                var bytes = try BackupFiles.read(path)
                if number == names.count - 1 { bytes.removeLast(verified.incompleteTailBytes) }
                var offset = SegmentHeader.count
                while offset < bytes.count, chains.count < verified.head.count {
                    let scan = bytes.withUnsafeBytes { DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                    guard case .frame(let frame) = scan else { break }
                    let record: RecordedEvent
                    do {
                        record = try withBytes(bytes) { (all) throws(EventLogError) in
                            try frame.event(in: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + frame.frameCount)]))
                        }
                    } catch {
                        throw BackupError(.chainMismatch, path: path, "a record does not read: \(error)")
                    }
                    if let claim = checkpoint(record) {
                        guard let found = try? Checkpoint(head: claim.head, signer: trusted, signature: claim.signature) else {
                            throw BackupError(.chainMismatch, path: path, "the checkpoint at position \(record.position) is not signed by the relay key given")
                        }
                        let expected = found.head.count == 0 ? genesis : (found.head.count <= chains.count ? chains[Int(found.head.count - 1)] : nil)
                        guard found.head.logID == verified.head.logID, expected == found.head.chain else {
                            throw BackupError(.chainMismatch, path: path, "the checkpoint at position \(record.position) names a history other than the copy's")
                        }
                        latest = found
                    }
                    chains.append(record.chain)
                    offset += frame.frameCount
                }
                try BackupFiles.write(bytes, to: temporary + "/" + entry.name, at: 0)
                written += bytes.count
            }
            guard latest != nil else {
                throw BackupError(.chainMismatch, path: directory, "the copy holds no checkpoint signed by the relay key given: nothing proves its records are the relay's")
            }
            return (names.count, written)
        }
        guard let latest else { throw BackupError(.chainMismatch, path: directory, "the copy holds no checkpoint signed by the relay key given") }
        return MirrorRestoreReport(restore: restored, checkpoint: latest.head, droppedTailBytes: verified.incompleteTailBytes)
    }
}
