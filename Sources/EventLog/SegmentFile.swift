#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One open segment, reached through the storage seam (`SegmentStorage`).
final class SegmentFile: Sendable {
    let file: any StorageFile
    let basePosition: UInt64
    /// The header's format (1 or 2): whether its records name their write group.
    let format: UInt32
    var name: String { file.name }

    private init(file: any StorageFile, basePosition: UInt64, format: UInt32) {
        self.file = file
        self.basePosition = basePosition
        self.format = format
    }

    static func fileName(basePosition: UInt64) -> String {
        let digits = String(basePosition)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    /// Opens an existing segment for reading and writing; `format` is its header's, once read.
    static func open(storage: any SegmentStorage, name: String, basePosition: UInt64,
                     format: UInt32 = SegmentHeader.formatVersion) throws(EventLogError) -> SegmentFile {
        SegmentFile(file: try storage.open(name), basePosition: basePosition, format: format)
    }

    /// A file opened or created through the seam, as a segment in the current format.
    static func adopting(_ file: any StorageFile, basePosition: UInt64) -> SegmentFile {
        SegmentFile(file: file, basePosition: basePosition, format: SegmentHeader.formatVersion)
    }

    /// Whether the file's first `size` bytes are all zero.
    func isAllZero(size: Int) throws(EventLogError) -> Bool {
        try read(count: size, at: 0).allSatisfy { $0 == 0 }
    }

    /// The same file, known to be in `format`.
    func with(format: UInt32) -> SegmentFile {
        format == self.format ? self : SegmentFile(file: file, basePosition: basePosition, format: format)
    }

    /// Creates a new segment with its header, durably: the file and the directory entry are synced.
    static func create(storage: any SegmentStorage, basePosition: UInt64, logID: LogID) throws(EventLogError) -> SegmentFile {
        let name = fileName(basePosition: basePosition)
        let segment = SegmentFile(file: try storage.create(name), basePosition: basePosition, format: SegmentHeader.formatVersion)
        do {
            try segment.write(SegmentHeader(logID: logID, basePosition: basePosition).encoded(), at: 0)
            try segment.sync()
            try storage.syncDirectory()
        } catch {
            // Never used: remove it, so that a later attempt (once the disk has room) can create it again.
            try? storage.remove(name)
            throw error
        }
        return segment
    }

    func size() throws(EventLogError) -> Int { try file.size() }

    /// Reads exactly `buffer.count` bytes at `offset`, or fewer only at the end of the file; returns the count read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + done)
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads up to `count` bytes at `offset`.
    func read(count: Int, at offset: Int) throws(EventLogError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var outcome: Result<Int, EventLogError> = .success(0)
        out.withUnsafeMutableBytes { buffer in outcome = Result { () throws(EventLogError) in try read(into: buffer, at: offset) } }
        let got = try outcome.get()
        if got < count { out.removeLast(count - got) }
        return out
    }

    /// Writes all of `bytes` at `offset`. On an error, part of them may have been written.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(EventLogError) {
        var done = 0
        while done < bytes.count {
            let n = try file.write(UnsafeRawBufferPointer(rebasing: bytes[done...]), at: offset + done)
            guard n > 0 else { throw EventLogError(code: .ioError, "a write to \(name) stored nothing", segment: name) }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(EventLogError) {
        try withBytes(bytes) { (buffer) throws(EventLogError) in try write(buffer, at: offset) }
    }

    /// Makes written data durable (`fdatasync`).
    func sync() throws(EventLogError) { try file.sync() }

    func truncate(to size: Int) throws(EventLogError) { try file.truncate(to: size) }
}

/// The 64-byte header at the start of every segment (docs/LOG-FORMAT.md).
struct SegmentHeader: Equatable {
    static let count = 64
    static let magic = Array("NRLOGSEG".utf8)
    /// The format every new segment is written in; format 1 (no `group` in records) is still read.
    static let formatVersion: UInt32 = 2
    static let readableFormats: ClosedRange<UInt32> = 1...2

    let logID: LogID
    let basePosition: UInt64
    var format: UInt32 = SegmentHeader.formatVersion

    func encoded() -> [UInt8] {
        var out = SegmentHeader.magic
        out.appendLittleEndian(format)
        out.appendLittleEndian(UInt32(0))
        out.append(contentsOf: logID.bytes)
        out.appendLittleEndian(basePosition)
        out.append(contentsOf: repeatElement(0, count: 20))
        out.appendLittleEndian(CRC32C.checksum(out))
        return out
    }

    static func decode(_ bytes: [UInt8], segment: String) throws(EventLogError) -> SegmentHeader {
        func bad(_ why: String) -> EventLogError {
            EventLogError(code: .corruptSegmentHeader, "segment header \(why)", segment: segment)
        }
        guard bytes.count >= count else { throw bad("is cut short (\(bytes.count) bytes)") }
        let crc = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 60, as: UInt32.self)) }
        guard CRC32C.checksum(Array(bytes[0..<60])) == crc else { throw bad("fails its checksum") }
        guard Array(bytes[0..<8]) == magic else { throw bad("has the wrong magic") }
        let version = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        guard readableFormats.contains(version) else { throw bad("has unknown format version \(version)") }
        let logID = bytes.withUnsafeBytes { ID16(reading: UnsafeRawBufferPointer(rebasing: $0[16..<32])) }
        let base = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 32, as: UInt64.self)) }
        return SegmentHeader(logID: logID, basePosition: base, format: version)
    }
}

/// Small POSIX helpers with typed errors.
enum FileSystem {
    static func error(_ what: String, path: String, segment: String? = nil) -> EventLogError {
        let code = errno
        return EventLogError(code: code == ENOSPC || code == EDQUOT ? .noSpace : .ioError,
                             "\(what) \(path): \(String(cString: strerror(code))) (errno \(code))", segment: segment)
    }

    /// fsyncs a directory so that a created, renamed or removed entry is durable.
    static func syncDirectory(_ path: String) throws(EventLogError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open directory", path: path) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw error("cannot flush directory", path: path) }
    }

    static func createDirectory(_ path: String) throws(EventLogError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw error("cannot create directory", path: path) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The names in a directory.
    static func list(_ path: String) throws(EventLogError) -> [String] {
        guard let dir = opendir(path) else { throw error("cannot list directory", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes a whole file durably: temporary name, fsync, rename, fsync of the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(EventLogError) {
        let temporary = path + ".tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error("cannot create", path: temporary) }
        var ok = true
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                done += n
            }
        }
        if !ok || fsync(fd) != 0 {
            let failure = error("cannot write", path: temporary)
            _ = close(fd)
            _ = unlink(temporary)
            throw failure
        }
        _ = close(fd)
        guard rename(temporary, path) == 0 else { throw error("cannot rename into", path: path) }
        try syncDirectory(directory)
    }
}

/// An exclusive `flock` on `DIR/LOCK`, held while a log is open.
final class DirectoryLock: Sendable {
    private let descriptor: Mutex<Int32?>

    init(directory: String) throws(EventLogError) {
        let path = directory + "/LOCK"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystem.error("cannot open lock file", path: path) }
        // A process that forks (to run any subprocess) holds a copy of every descriptor, this lock's
        // included, until its child execs; a lock just released can therefore look held for a
        // moment. Waiting up to a second tells that apart from a real second opener.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard errno == EWOULDBLOCK || errno == EINTR, attempts < 100 else {
                _ = close(fd)
                throw EventLogError(code: .locked, "another process has the log in \(directory) open")
            }
            usleep(10_000)
        }
        descriptor = Mutex(fd)
    }

    /// Gives the lock up (closing the descriptor releases the flock); later calls do nothing.
    func release() {
        if let fd = descriptor.withLock({ state -> Int32? in defer { state = nil }; return state }) { _ = close(fd) }
    }

    deinit { release() }
}
