public import EventLog
public import Sodium

/// The 16-byte id of an Ed25519 public key: `SHA-512("netreach/v1/key-id\0" ‖ key)[0..<16]`.
/// It names the author of an event in the log (docs/KEYS.md, docs/LOG-FORMAT.md).
public struct KeyID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let count = 16

    /// The 16 bytes.
    public let bytes: [UInt8]

    /// The id of `signKey`.
    public init(_ signKey: SigningPublicKey) {
        let digest = SHA512.hash(DomainSeparation.keyID.input(signKey.bytes))
        bytes = Array(digest.prefix(KeyID.count))
    }

    /// An id read back from elsewhere (an event's author field); throws `invalidValue` unless it is 16 bytes.
    public init(bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == KeyID.count else {
            throw KeyError(code: .invalidValue, "a key id is \(KeyID.count) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// The same 16 bytes as the event log's author id.
    public var authorID: AuthorID {
        // Big-endian halves, the order `ID16` stores its bytes in; the count is fixed at construction.
        let high = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes.dropFirst(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return AuthorID(high: high, low: low)
    }

    public static func < (a: KeyID, b: KeyID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// Lower-case hex, 32 digits.
    public var description: String { Hex.encode(bytes) }
}
