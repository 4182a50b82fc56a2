/// A failure of `netreach-relay backup` or `restore`: a stable code, a message, and the path involved
/// (docs/OPERATIONS.md, "Backups").
public struct BackupError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The data directory (or replica home) does not exist or is not a directory.
        public static let missingDirectory = Code("missingDirectory")
        /// A file or directory cannot be read (permissions, I/O error), or is not what it should be.
        public static let unreadable = Code("unreadable")
        /// Writing failed; `noSpace` when the disk is full.
        public static let writeFailed = Code("writeFailed")
        /// The disk (or quota) is full.
        public static let noSpace = Code("noSpace")
        /// A restore target that exists and is not empty.
        public static let targetNotEmpty = Code("targetNotEmpty")
        /// The manifest is malformed, or its signature does not verify under the trusted relay key.
        public static let manifestInvalid = Code("manifestInvalid")
        /// A backed-up segment's length or hash differs from the manifest.
        public static let segmentMismatch = Code("segmentMismatch")
        /// The records do not verify (checksum, chain, positions) or do not reach the signed head.
        public static let chainMismatch = Code("chainMismatch")
        /// The live log no longer extends what the previous backup holds (another log, or a rewritten history).
        public static let diverged = Code("diverged")

        public var description: String { name }
    }

    public let code: Code
    /// The file or directory involved.
    public let path: String
    public let message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message) (\(code))" }
}

extension BackupError {
    /// Wraps an event log error met while reading or writing at `path`.
    static func from(_ error: EventLogError, path: String, writing: Bool = false) -> BackupError {
        if error.code == .noSpace { return BackupError(.noSpace, path: path, "the disk is full: \(error.message)") }
        if error.code.isDamage || error.code == .checkpointMismatch {
            return BackupError(.chainMismatch, path: path, "\(error)")
        }
        return BackupError(writing ? .writeFailed : .unreadable, path: path, "\(error)")
    }
}
