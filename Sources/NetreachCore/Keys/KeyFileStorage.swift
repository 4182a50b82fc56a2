import Glibc
import Sodium

/// Reading and writing key files on disk, with typed errors that name the path.
public enum KeyFileStorage {
    /// Reads a whole key file. A file longer than 4 096 bytes is refused without being read further,
    /// and anything but a regular file (a directory, a device, a FIFO) is refused.
    public static func read(path: String) throws(KeyError) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path: path) }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot inspect", path: path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw KeyError(code: .unexpectedFile, "not a regular file", file: path)
        }
        // One byte more than allowed, to tell a file of exactly the limit from a longer one.
        let limit = KeyFileReader.maximumSize + 1
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress.map { $0 + filled }, limit - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path: path)
            }
            if n == 0 { break }
            filled += n
        }
        guard filled <= KeyFileReader.maximumSize else {
            throw KeyError(code: .fileTooLarge, "a key file is at most \(KeyFileReader.maximumSize) bytes", file: path)
        }
        return Array(bytes.prefix(filled))
    }

    /// Writes a whole file durably: a new temporary file with `permissions` beside `path`, fsynced,
    /// renamed into place, and the directory fsynced. Unless `replacing` is true, an existing file at
    /// `path` is an error, because replacing a private key file would lose the key it held.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, permissions: UInt32 = 0o600,
                                       replacing: Bool = false) throws(KeyError) {
        let (directory, base) = split(path)
        if !replacing, exists(path) { throw KeyError(code: .ioError, "the file already exists", file: path) }
        let temporary = "\(directory)/.\(base).tmp-\(Hex.encode(Random.bytes(count: 8)))"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions))
        guard fd >= 0 else { throw failure("cannot create", path: temporary) }
        var written = 0
        var writeError: KeyError?
        // fchmod because the umask may have narrowed the mode open() was given.
        if fchmod(fd, mode_t(permissions)) != 0 { writeError = failure("cannot set the mode of", path: temporary) }
        while writeError == nil, written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in Glibc.write(fd, buffer.baseAddress.map { $0 + written }, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                writeError = failure("cannot write", path: temporary)
            } else {
                written += n
            }
        }
        if writeError == nil, fsync(fd) != 0 { writeError = failure("cannot flush", path: temporary) }
        _ = close(fd)
        // Checked again just before the rename: enough to stop a command from replacing a key by
        // mistake; two programs writing the same key file at the same moment is not a case Netreach has.
        if writeError == nil, !replacing, exists(path) {
            writeError = KeyError(code: .ioError, "the file already exists", file: path)
        }
        if writeError == nil, rename(temporary, path) != 0 { writeError = failure("cannot rename into", path: path) }
        if let writeError {
            _ = unlink(temporary)
            throw writeError
        }
        let directoryFD = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw failure("cannot open the directory", path: directory) }
        defer { _ = close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw failure("cannot flush the directory", path: directory) }
    }

    /// The names in a directory, sorted, or nil when the directory does not exist.
    static func entries(of directory: String) throws(KeyError) -> [String]? {
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return nil }
            throw failure("cannot list the directory", path: directory)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func failure(_ what: String, path: String) -> KeyError {
        let code = errno
        return KeyError(code: .ioError, "\(what): \(String(cString: strerror(code))) (errno \(code))", file: path)
    }
}
