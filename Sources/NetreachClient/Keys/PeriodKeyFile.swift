import Foundation
public import NetreachCore
public import Sodium

/// One of a staff member's period keys held on their machine: the public half as published, and
/// the secret half (docs/KEYS.md, "Period keys").
public struct HeldPeriodKey: Sendable {
    public let key: PeriodKey
    public let secret: BoxKeyPair

    public init(start: UInt64, end: UInt64, secret: BoxKeyPair) throws(ProtocolError) {
        key = try PeriodKey(start: start, end: end, boxKey: secret.publicKey)
        self.secret = secret
    }
}

/// `$NETREACH_HOME/NAME.periods`: the secret halves of a staff member's period keys, encrypted under
/// a key derived from their enrolled X25519 secret, so that the passphrase (or the unlock agent,
/// which holds that secret) opens them without a second Argon2id. Destroying a period key is
/// rewriting this file without it: a copy of the folder made afterwards cannot open its wraps
/// whatever passphrase is known (a copy made before can; docs/PRIVACY.md says so).
///
/// Layout: `netreach-period-keys-v1\n` ‖ nonce (24) ‖ `secretbox(plaintext, nonce, k)`, where
/// `k = BLAKE2b-256(key: X25519 secret, "netreach/v1/period-keys-file\0")` and the plaintext is
/// `n` (2) ‖ `n` × (start (8) ‖ end (8) ‖ X25519 secret (32)), integers little-endian.
public enum PeriodKeyFile {
    static let magic = Array("netreach-period-keys-v1\n".utf8)
    static let entryCount = 48
    /// More than forty years of monthly keys; a longer file is refused before it is read.
    static let maximumKeys = 512

    public static func path(home: NetreachHome, name: StaffName) -> String { home.path + "/" + name.text + ".periods" }

    static func fileKey(_ credentials: StaffCredentials) -> SecureBytes {
        // A BLAKE2b key is at most 64 bytes; the X25519 secret is 32.
        let bytes = try! GenericHash.hash(DomainSeparation.periodKeysFile.prefix, key: credentials.box.secretKey, outputCount: 32)
        var copy = bytes
        return SecureBytes(zeroingSource: &copy)
    }

    /// The held keys; none when the file does not exist. A file that does not open is an error,
    /// never an empty list: its keys would otherwise be replaced, and lost.
    public static func load(home: NetreachHome, credentials: StaffCredentials) throws(KeyError) -> [HeldPeriodKey] {
        let path = path(home: home, name: credentials.name)
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyError(code: .ioError, "cannot read the file", file: path) }
        let bytes = Array(data)
        let limit = magic.count + Nonce.count + SecretBox.macCount + 2 + maximumKeys * entryCount
        guard bytes.count <= limit else { throw KeyError(code: .fileTooLarge, "a period keys file is at most \(limit) bytes", file: path) }
        guard bytes.count >= magic.count + Nonce.count + SecretBox.macCount + 2, Array(bytes.prefix(magic.count)) == magic else {
            throw KeyError(code: .invalidValue, "not a period keys file (netreach-period-keys-v1)", file: path)
        }
        let nonce = try! Nonce(Array(bytes[magic.count..<(magic.count + Nonce.count)]))  // exactly Nonce.count bytes
        let plaintext: SecureBytes
        do {
            plaintext = try SecretBox.open(Array(bytes[(magic.count + Nonce.count)...]), nonce: nonce, key: fileKey(credentials))
        } catch {
            throw KeyError(code: .wrongPassphrase, "the period keys file does not open with your keys (damaged, or another person's)", file: path)
        }
        do {
            return try read(plaintext, path: path)
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(code: .invalidValue, "the period keys file does not read: \(error)", file: path)
        }
    }

    private static func read(_ plaintext: SecureBytes, path: String) throws -> [HeldPeriodKey] {
        try plaintext.withByteInput { (raw: UnsafeRawBufferPointer) throws -> [HeldPeriodKey] in
            let count = Int(raw[0]) | Int(raw[1]) << 8
            guard raw.count == 2 + count * entryCount else {
                throw KeyError(code: .invalidValue, "the period keys file holds \(raw.count) bytes for \(count) keys", file: path)
            }
            var keys: [HeldPeriodKey] = []
            for index in 0..<count {
                let at = 2 + index * entryCount
                func integer(_ offset: Int) -> UInt64 {
                    (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[at + offset + $1]) << (8 * UInt64($1)) }
                }
                do {
                    let secret = try BoxKeyPair(secretKey: UnsafeRawBufferPointer(rebasing: raw[(at + 16)..<(at + 48)]))
                    keys.append(try HeldPeriodKey(start: integer(0), end: integer(8), secret: secret))
                } catch {
                    throw KeyError(code: .invalidValue, "key \(index + 1) of the period keys file is not valid", file: path)
                }
            }
            return keys
        }
    }

    /// Writes `keys` as the whole file (a temporary file, fsynced, renamed over the old one).
    public static func save(_ keys: [HeldPeriodKey], home: NetreachHome, credentials: StaffCredentials) throws(KeyError) {
        precondition(keys.count <= maximumKeys, "at most \(maximumKeys) period keys are held")
        let plaintext = SecureBytes(count: 2 + keys.count * entryCount) { out in
            out[0] = UInt8(keys.count & 0xFF)
            out[1] = UInt8(keys.count >> 8)
            for (index, held) in keys.enumerated() {
                let at = 2 + index * entryCount
                for byte in 0..<8 {
                    out[at + byte] = UInt8(truncatingIfNeeded: held.key.start >> (8 * UInt64(byte)))
                    out[at + 8 + byte] = UInt8(truncatingIfNeeded: held.key.end >> (8 * UInt64(byte)))
                }
                held.secret.secretKey.withByteInput { (out.baseAddress! + at + 16).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            }
        }
        let nonce = Nonce.random()
        let sealed = try! SecretBox.seal(plaintext, nonce: nonce, key: fileKey(credentials))  // a 32-byte key: cannot fail
        try KeyFileStorage.writeAtomically(magic + nonce.bytes + sealed, to: path(home: home, name: credentials.name),
                                           permissions: 0o600, replacing: true)
    }
}
