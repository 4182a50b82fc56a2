/// A refusal of a key file, keyring or private key: a stable code, a human message, and the file and
/// line involved when they are known. Nothing in the key code traps on bad input; every refusal is one of these.
public struct KeyError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The file is longer than the 4 096 bytes any key file may have.
        public static let fileTooLarge = Code("fileTooLarge")
        /// The text breaks a layout rule: not UTF-8, a CR, a tab or other control character, a blank
        /// line, a leading or trailing space, no LF at the end.
        public static let malformedText = Code("malformedText")
        /// The first line is not the magic string of the expected format and version.
        public static let unknownFormat = Code("unknownFormat")
        /// A line holds another field than the one the format has at that place (wrong, out of order, extra).
        public static let unexpectedField = Code("unexpectedField")
        /// The file ends before a field the format requires.
        public static let missingField = Code("missingField")
        /// A field's value is not what the format allows (encoding, length, role, name, time, number…).
        public static let invalidValue = Code("invalidValue")
        /// An organisation signature does not verify under the organisation key.
        public static let badSignature = Code("badSignature")
        /// A file's name does not match the name (and serial) inside it.
        public static let fileNameMismatch = Code("fileNameMismatch")
        /// Two certificates share a name, a key or a serial.
        public static let duplicate = Code("duplicate")
        /// A revocation names a key or serial of an enrolment but does not match that enrolment.
        public static let revocationMismatch = Code("revocationMismatch")
        /// A keyring directory holds an entry that is not part of the keyring's layout.
        public static let unexpectedFile = Code("unexpectedFile")
        /// Argon2id limits below `interactive` or above `sensitive`.
        public static let limitsOutOfRange = Code("limitsOutOfRange")
        /// The private key file did not decrypt: a wrong passphrase or a damaged ciphertext.
        public static let wrongPassphrase = Code("wrongPassphrase")
        /// The private key file decrypted, but its header (kind, name, limits…) was edited after it was written.
        public static let headerTampered = Code("headerTampered")
        /// Argon2id could not derive the key (most likely too little memory for the file's limits).
        public static let keyDerivationFailed = Code("keyDerivationFailed")
        /// The operating system refused to read or write a file, or it already exists.
        public static let ioError = Code("ioError")

        public var description: String { name }
    }

    public let code: Code
    public let message: String
    /// The file involved, as the caller named it (a path, or a label such as `staff[2]`).
    public let file: String?
    /// The 1-based line involved, when the error is about one line.
    public let line: Int?

    public init(code: Code, _ message: String, file: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code): \(message)"
        switch (file, line) {
        case let (file?, line?): text += " (\(file), line \(line))"
        case let (file?, nil): text += " (\(file))"
        case let (nil, line?): text += " (line \(line))"
        case (nil, nil): break
        }
        return text
    }

    /// This error with `line` filled in, unless it already names one.
    func atLine(_ line: Int) -> KeyError {
        KeyError(code: code, message, file: file, line: self.line ?? line)
    }

    /// This error with `file` filled in, unless it already names one.
    func inFile(_ file: String?) -> KeyError {
        KeyError(code: code, message, file: self.file ?? file, line: line)
    }

    /// Runs `body`, naming `file` in any error it throws.
    static func naming<T>(file: String?, _ body: () throws(KeyError) -> T) throws(KeyError) -> T {
        do {
            return try body()
        } catch {
            throw error.inFile(file)
        }
    }
}
