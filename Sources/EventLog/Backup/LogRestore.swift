#if canImport(Glibc)
import Glibc
#endif
public import Sodium

/// What a restore made.
public struct RestoreReport: Hashable, Sendable {
    public let head: LogHead
    public let segments: Int
    public let bytes: Int
}

/// Rebuilds a data directory from a backup (docs/OPERATIONS.md, "Backups"). Nothing is written to
/// the target until everything verified: the segments are written into a temporary sibling
/// directory, fsynced, walked as `log verify` walks them, and the directory is renamed into place.
public enum LogRestore {
    /// Restores the backup in `backup` into `target`, which must not exist or be an empty directory.
    /// The manifest must be signed by `trusted`, every segment must have its manifest length and hash,
    /// and the records must verify up to exactly the manifest's head.
    public static func restore(from backup: String, to target: String, trusting trusted: SigningPublicKey) throws(BackupError) -> RestoreReport {
        guard BackupFiles.isDirectory(backup) else {
            throw BackupError(.missingDirectory, path: backup, "the backup directory does not exist or is not a directory")
        }
        let manifestPath = backup + "/" + LogBackup.manifestName
        let manifest = try BackupManifest(parsing: try BackupFiles.read(manifestPath), path: manifestPath, trusting: trusted)
        try checkTarget(target)
        return try install(head: manifest.head, into: target, source: backup) { (temporary) throws(BackupError) in
            // One segment in memory at a time.
            var bytes = 0
            for segment in manifest.segments {
                let path = backup + "/" + LogBackup.segmentsFolder + "/" + segment.name
                let contents = try BackupFiles.read(path, from: 0, count: segment.length)
                guard Sodium.constantTimeEqual(BackupFiles.hash(contents).bytes, segment.hash.bytes) else {
                    throw BackupError(.segmentMismatch, path: path, "the segment's hash differs from the signed manifest: it was changed after the backup")
                }
                try BackupFiles.write(contents, to: temporary + "/" + segment.name, at: 0)
                bytes += contents.count
            }
            return (manifest.segments.count, bytes)
        }
    }

    /// Refuses a target that exists and is not an empty directory, or whose parent is missing.
    static func checkTarget(_ target: String) throws(BackupError) {
        if BackupFiles.exists(target) {
            guard BackupFiles.isDirectory(target) else { throw BackupError(.targetNotEmpty, path: target, "exists and is not a directory") }
            let names = try BackupFiles.list(target)
            guard names.isEmpty else {
                throw BackupError(.targetNotEmpty, path: target, "the directory is not empty (\(names.count) entries): restore only into a new or empty directory")
            }
        }
        let parent = parentDirectory(of: target)
        guard BackupFiles.isDirectory(parent) else {
            throw BackupError(.missingDirectory, path: parent, "the directory to restore into must be in an existing directory")
        }
    }

    /// Lets `write` fill a temporary sibling of `target` with segment files (it returns how many, and
    /// their bytes), checks that they verify to exactly `head`, and renames the directory into place.
    /// On any failure the temporary directory is removed.
    static func install(head: LogHead, into target: String, source: String,
                        write: (String) throws(BackupError) -> (segments: Int, bytes: Int)) throws(BackupError) -> RestoreReport {
        let parent = parentDirectory(of: target)
        let base = target.split(separator: "/").last.map(String.init) ?? "data"
        let temporary = parent + "/." + base + ".restoring-" + Hex.encode(Random.bytes(count: 6))
        guard mkdir(temporary, 0o700) == 0 else { throw BackupFiles.failure("cannot create the temporary directory", path: temporary, writing: true) }
        do throws(BackupError) {
            let written = try write(temporary)
            try BackupFiles.syncDirectory(temporary)
            let verified: LogVerification
            do { verified = try LogVerifier.verify(directory: temporary) } catch {
                throw BackupError(.chainMismatch, path: source, "the records do not verify: \(error)")
            }
            guard verified.head == head, verified.incompleteTailBytes == 0 else {
                throw BackupError(.chainMismatch, path: source, "the records verify to \(verified.head), not to the signed head (\(head))")
            }
            guard rename(temporary, target) == 0 else { throw BackupFiles.failure("cannot rename \(temporary) into place", path: target, writing: true) }
            try BackupFiles.syncDirectory(parent)
            return RestoreReport(head: head, segments: written.segments, bytes: written.bytes)
        } catch {
            BackupFiles.removeTree(temporary)
            throw error
        }
    }

    static func parentDirectory(of path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
