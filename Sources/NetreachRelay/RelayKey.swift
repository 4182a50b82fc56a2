import Foundation
public import NetreachCore
public import Sodium

/// The relay's own Ed25519 key (it signs checkpoints and is named in every `hello`), kept in an
/// encrypted private key file (docs/KEYS.md, kind `relay`).
public enum RelayKey {
    /// Opens the key file at `path`, or, when `create` is set and there is none, makes a new key and
    /// writes it there encrypted under `passphrase`.
    public static func load(path: String, passphrase: SecureBytes, create: Bool,
                            limits: PasswordHash.Limits = PrivateKeyKind.relay.defaultLimits) throws(KeyError) -> SigningKeyPair {
        if !FileManager.default.fileExists(atPath: path) {
            guard create else { throw KeyError(code: .ioError, "no relay key at \(path) (pass --create-relay-key to make one)") }
            let key = SigningKeyPair.generate()
            let bytes = try EncryptedPrivateKeyFile.create(kind: .relay, name: "relay", secrets: key.seed,
                                                           passphrase: passphrase, limits: limits)
            try EncryptedPrivateKeyFile.write(bytes, to: path)
        }
        let file = try EncryptedPrivateKeyFile(parsing: try KeyFileStorage.read(path: path), fileName: path)
        guard file.kind == .relay else { throw KeyError(code: .invalidValue, "\(path) holds a \(file.kind) key, not the relay's") }
        let secrets = try file.open(passphrase: passphrase)
        do {
            return try SigningKeyPair(seed: secrets)
        } catch {
            throw KeyError(code: .invalidValue, "\(path) does not hold an Ed25519 seed")
        }
    }
}
