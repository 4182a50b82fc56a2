public import Sodium

/// What two people read to each other to check a key:
/// `SHA-512("netreach/v1/fingerprint\0" ‖ Ed25519 key ‖ X25519 key if any)[0..<16]`,
/// shown as 8 groups of 4 lower-case hex digits (`3f9a 01bc 7d22 e410 9b6c 0a5f 44d1 c8e3`).
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    public static let count = 16

    /// The 16 bytes.
    public let bytes: [UInt8]

    /// The fingerprint of a signing key alone (the organisation) or with its box key (a staff member).
    public init(signKey: SigningPublicKey, boxKey: BoxPublicKey? = nil) {
        var message = signKey.bytes
        if let boxKey { message += boxKey.bytes }
        bytes = Array(SHA512.hash(DomainSeparation.fingerprint.input(message)).prefix(Fingerprint.count))
    }

    /// The 32 hex digits in 8 groups of 4, separated by single spaces.
    public var description: String {
        let hex = Array(Hex.encode(bytes))
        return stride(from: 0, to: hex.count, by: 4).map { String(hex[$0..<min($0 + 4, hex.count)]) }
            .joined(separator: " ")
    }
}
