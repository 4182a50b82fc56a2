#if canImport(Glibc)
import Glibc
#endif

/// The seam under the segment files: the writer, recovery, verification and the tail cut reach
/// segments only through it. Production uses `POSIXSegmentStorage`; the storage fault simulator
/// (`SimulatedSegmentStorage`) injects short writes, ENOSPC, EIO and power cuts behind it, so the
/// same writer and recovery code is tested against the faults a real disk only shows rarely.
package protocol SegmentStorage: Sendable {
    /// The names of the files in the log's directory.
    func list() throws(EventLogError) -> [String]
    /// Opens an existing file for reading and writing.
    func open(_ name: String) throws(EventLogError) -> any StorageFile
    /// Creates a new, empty file; refused if the name exists.
    func create(_ name: String) throws(EventLogError) -> any StorageFile
    func remove(_ name: String) throws(EventLogError)
    /// Replaces `target` with `source` (rename(2)).
    func rename(_ source: String, to target: String) throws(EventLogError)
    /// Makes created, renamed and removed names durable (fsync of the directory).
    func syncDirectory() throws(EventLogError)
}

/// One open file behind the seam, with `pread`/`pwrite` semantics.
package protocol StorageFile: Sendable {
    var name: String { get }
    func size() throws(EventLogError) -> Int
    /// Reads up to `buffer.count` bytes at `offset`; returns how many (0 at the end of the file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(EventLogError) -> Int
    /// Writes up to `bytes.count` bytes at `offset`; returns how many were written, which may be fewer.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(EventLogError) -> Int
    /// Makes written data durable (`fdatasync`).
    func sync() throws(EventLogError)
    func truncate(to size: Int) throws(EventLogError)
}

/// Segment files in a directory of the real file system.
package struct POSIXSegmentStorage: SegmentStorage {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    package func list() throws(EventLogError) -> [String] { try FileSystem.list(directory) }

    package func open(_ name: String) throws(EventLogError) -> any StorageFile {
        try POSIXFile(directory: directory, name: name, flags: O_RDWR | O_CLOEXEC, verb: "open")
    }

    package func create(_ name: String) throws(EventLogError) -> any StorageFile {
        try POSIXFile(directory: directory, name: name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, verb: "create")
    }

    package func remove(_ name: String) throws(EventLogError) {
        let path = directory + "/" + name
        guard unlink(path) == 0 else { throw FileSystem.error("cannot remove", path: path, segment: name) }
    }

    package func rename(_ source: String, to target: String) throws(EventLogError) {
        guard Glibc.rename(directory + "/" + source, directory + "/" + target) == 0 else {
            throw FileSystem.error("cannot rename into", path: directory + "/" + target, segment: target)
        }
    }

    package func syncDirectory() throws(EventLogError) { try FileSystem.syncDirectory(directory) }
}

/// A file descriptor that closes when the last reference goes, so that a reader holding the object
/// can never read through a descriptor number that was closed and reused.
final class POSIXFile: StorageFile {
    let descriptor: Int32
    let name: String
    let path: String

    init(directory: String, name: String, flags: Int32, verb: String) throws(EventLogError) {
        path = directory + "/" + name
        self.name = name
        descriptor = Glibc.open(path, flags, 0o600)
        guard descriptor >= 0 else { throw FileSystem.error("cannot \(verb) segment", path: path, segment: name) }
    }

    deinit { _ = close(descriptor) }

    func size() throws(EventLogError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileSystem.error("cannot stat segment", path: path, segment: name) }
        return Int(info.st_size)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        while true {
            let n = pread(descriptor, buffer.baseAddress!, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw FileSystem.error("cannot read segment", path: path, segment: name) }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        while true {
            let n = pwrite(descriptor, bytes.baseAddress!, bytes.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw FileSystem.error("cannot write segment", path: path, segment: name) }
        }
    }

    func sync() throws(EventLogError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw FileSystem.error("cannot flush segment", path: path, segment: name)
        }
    }

    func truncate(to size: Int) throws(EventLogError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else {
            throw FileSystem.error("cannot truncate segment", path: path, segment: name)
        }
    }
}
