#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls backup and restore make, with errors that name the path. Live segment files are
/// opened read-only: a backup never needs to write to the relay's data directory.
enum BackupFiles {
    static func failure(_ what: String, path: String, writing: Bool) -> BackupError {
        let code = errno
        let reason = "\(what): \(String(cString: strerror(code))) (errno \(code))"
        if code == ENOSPC || code == EDQUOT { return BackupError(.noSpace, path: path, "the disk is full: \(reason)") }
        return BackupError(writing ? .writeFailed : .unreadable, path: path, reason)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The names in a directory (without `.` and `..`).
    static func list(_ path: String) throws(BackupError) -> [String] {
        do { return try FileSystem.list(path) } catch { throw BackupError(.unreadable, path: path, error.message) }
    }

    static func makeDirectory(_ path: String) throws(BackupError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw failure("cannot create the directory", path: path, writing: true) }
    }

    static func syncDirectory(_ path: String) throws(BackupError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open the directory", path: path, writing: true) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot flush the directory", path: path, writing: true) }
    }

    /// Reads `count` bytes from `offset`, or up to the end of the file when `count` is nil; fewer
    /// bytes than asked (a file that is too short) are refused.
    static func read(_ path: String, from offset: Int = 0, count: Int? = nil) throws(BackupError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path: path, writing: false) }
        defer { _ = close(fd) }
        return try read(descriptor: fd, path: path, from: offset, count: count)
    }

    static func read(descriptor fd: Int32, path: String, from offset: Int, count: Int?) throws(BackupError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position = offset
        while count.map({ bytes.count < $0 }) ?? true {
            let want = min(chunk.count, count.map { $0 - bytes.count } ?? chunk.count)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(position)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path: path, writing: false)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            position += n
        }
        if let count, bytes.count < count {
            throw BackupError(.segmentMismatch, path: path, "the file holds \(offset + bytes.count) bytes, \(offset + count) expected")
        }
        return bytes
    }

    /// Writes `bytes` at `offset` of the file at `path` (created if missing, truncated to `offset`
    /// first) and fdatasyncs it. Returns whether the file was created.
    @discardableResult
    static func write(_ bytes: [UInt8], to path: String, at offset: Int) throws(BackupError) -> Bool {
        let created = !exists(path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot open for writing", path: path, writing: true) }
        defer { _ = close(fd) }
        guard ftruncate(fd, off_t(offset)) == 0 else { throw failure("cannot truncate", path: path, writing: true) }
        try writeAll(fd, bytes, at: offset, path: path)
        guard fdatasync(fd) == 0 else { throw failure("cannot flush", path: path, writing: true) }
        return created
    }

    /// Writes `bytes` over the file's bytes at `offset`, leaving the rest of it as it is (no
    /// truncation, unlike `write`), and flushes them.
    static func overwrite(_ bytes: [UInt8], in path: String, at offset: Int) throws(BackupError) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open for writing", path: path, writing: true) }
        defer { _ = close(fd) }
        try writeAll(fd, bytes, at: offset, path: path)
        guard fdatasync(fd) == 0 else { throw failure("cannot flush", path: path, writing: true) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(BackupError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write", path: path, writing: true)
            }
            done += n
        }
    }

    /// Writes a whole file durably: a temporary name beside it, fsync, rename, fsync of the directory.
    /// A failure leaves whatever was at `path` before.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(BackupError) {
        let temporary = path + ".tmp"
        do throws(BackupError) {
            try write(bytes, to: temporary, at: 0)
            guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) into place", path: path, writing: true) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// fdatasyncs a file opened read-only: everything read from it before the call is then on disk.
    static func flush(_ path: String) throws(BackupError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path: path, writing: false) }
        defer { _ = close(fd) }
        guard fdatasync(fd) == 0 else { throw failure("cannot flush", path: path, writing: false) }
    }

    /// Removes a directory tree this process made (a failed restore's temporary directory).
    static func removeTree(_ path: String) {
        if let names = try? FileSystem.list(path) {
            for name in names { _ = unlink(path + "/" + name) }
        }
        _ = rmdir(path)
    }

    /// BLAKE2b-256 of `bytes`.
    static func hash(_ bytes: [UInt8]) -> Digest32 { RecordCodec.payloadHash(bytes) }
}
