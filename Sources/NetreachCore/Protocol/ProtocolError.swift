/// A refusal in the protocol's own terms (docs/PROTOCOL.md, "Errors"): the wire code, whether it
/// ends the connection, and a human message.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as it appears on the wire.
        public let name: String
        /// Whether the relay closes the connection after sending it.
        public let isFatal: Bool

        private init(_ name: String, fatal: Bool = false) {
            self.name = name
            isFatal = fatal
        }

        public static let malformed = Code("malformed")
        public static let badBase64 = Code("badBase64")
        public static let unknownType = Code("unknownType")
        public static let tooLarge = Code("tooLarge", fatal: true)
        public static let notAuthenticated = Code("notAuthenticated")
        public static let badChallenge = Code("badChallenge", fatal: true)
        public static let badSignature = Code("badSignature")
        public static let unknownKey = Code("unknownKey", fatal: true)
        public static let revokedKey = Code("revokedKey", fatal: true)
        public static let forbidden = Code("forbidden")
        public static let unknownKind = Code("unknownKind")
        public static let noSuchConversation = Code("noSuchConversation")
        public static let conversationExists = Code("conversationExists")
        public static let powRequired = Code("powRequired")
        public static let versionConflict = Code("versionConflict")
        public static let duplicateConflict = Code("duplicateConflict")
        public static let rateLimited = Code("rateLimited")
        public static let unavailable = Code("unavailable")
        public static let damaged = Code("damaged")
        public static let erased = Code("erased")

        /// Every code, for the catalogue tests and for clients that map names back.
        public static let all: [Code] = [
            .malformed, .badBase64, .unknownType, .tooLarge, .notAuthenticated, .badChallenge, .badSignature,
            .unknownKey, .revokedKey, .forbidden, .unknownKind, .noSuchConversation, .conversationExists,
            .powRequired, .versionConflict, .duplicateConflict, .rateLimited, .unavailable, .damaged, .erased,
        ]

        /// The WebSocket close code that follows a fatal error: 1009 (message too big) for
        /// `tooLarge`, 1008 (policy violation) for every other.
        public var closeCode: UInt16 { self == .tooLarge ? 1009 : 1008 }

        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
