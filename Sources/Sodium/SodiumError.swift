/// A failure reported by the Sodium wrapper: a small machine-readable code and a human message.
///
/// No function in this module traps on bad input; every refusal is one of these.
public struct SodiumError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable identifier.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// A key, nonce, salt, signature or other fixed-size input had the wrong number of bytes.
        public static let wrongLength = Code("wrongLength")
        /// A ciphertext did not authenticate: it was forged, altered, truncated, or made with another key.
        public static let forgedCiphertext = Code("forgedCiphertext")
        /// A signature did not verify for the message and public key.
        public static let badSignature = Code("badSignature")
        /// A string was not valid unpadded URL-safe base64.
        public static let malformedBase64 = Code("malformedBase64")
        /// A string was not valid hexadecimal.
        public static let malformedHex = Code("malformedHex")
        /// A parameter was outside the range libsodium accepts (hash length, Argon2id limits…).
        public static let invalidParameter = Code("invalidParameter")
        /// libsodium refused an operation for a reason it does not report (for example Argon2id ran out of memory).
        public static let operationFailed = Code("operationFailed")

        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func wrongLength(_ what: String, expected: Int, got: Int) -> SodiumError {
        SodiumError(.wrongLength, "\(what) must be \(expected) bytes, got \(got)")
    }
}
