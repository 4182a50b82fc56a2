import Sodium

/// The 16 random bytes an organisation gives each enrolment; a revocation names it.
public struct EnrolmentSerial: Hashable, Sendable, CustomStringConvertible {
    public static let count = 16

    public let bytes: [UInt8]

    /// Throws `invalidValue` unless there are exactly 16 bytes.
    public init(bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == EnrolmentSerial.count else {
            throw KeyError(code: .invalidValue, "a serial is \(EnrolmentSerial.count) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Reads the base64url text of a `serial:` line.
    public init(parsing text: String) throws(KeyError) {
        try self.init(bytes: KeyEncoding.decodeBase64(text, count: EnrolmentSerial.count, what: "the serial"))
    }

    /// A fresh random serial.
    public static func random() -> EnrolmentSerial {
        EnrolmentSerial(unchecked: Random.bytes(count: count))
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// The base64url text, as it appears in files and in a revocation's file name.
    public var description: String { Base64URL.encode(bytes) }
}
