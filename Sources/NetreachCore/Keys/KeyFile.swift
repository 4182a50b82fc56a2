/// The bytes of one key file and how errors should name it.
public struct KeyFile: Hashable, Sendable {
    /// The path (or label) errors name.
    public let path: String
    public let bytes: [UInt8]
    /// The file's own name, which must match its contents; nil for text that came without one
    /// (an entry of `GET /v1/keyring`).
    public let fileName: String?

    /// A file read from disk: its name is the last component of `path` and is checked against its contents.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        fileName = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    }

    /// Text without a file name (for example `staff[2]` of the relay's keyring answer): no name check applies.
    public init(label: String, bytes: [UInt8]) {
        path = label
        self.bytes = bytes
        fileName = nil
    }
}
