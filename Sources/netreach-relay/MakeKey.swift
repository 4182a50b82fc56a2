import ArgumentParser
import Foundation
import NetreachCommandLine
import NetreachCore
import NetreachRelay
import Sodium

extension NetreachRelayCommand {
    /// `netreach-relay make-key`: the relay's part of the key ceremony. Makes the relay's signing key,
    /// encrypted under the passphrase in a file, and prints what staff and supervisors check it by.
    struct MakeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make-key",
            abstract: "Make the relay's encrypted signing key (once, in the key ceremony).",
            discussion: """
                The relay signs its checkpoints with this key and names it in every hello. The private key is
                written encrypted under the passphrase in --passphrase-file (docs/KEYS.md, kind relay) with
                mode 0600; an existing file is never replaced. Prints the public key and its fingerprint:
                write the fingerprint down with the organisation's, so that a supervisor can check it.

                Example:
                  head -c 32 /dev/urandom | base64 > /etc/netreach/relay.passphrase
                  netreach-relay make-key --relay-key /etc/netreach/relay.key \\
                      --passphrase-file /etc/netreach/relay.passphrase
                """
        )

        @Option(help: "Where to write the encrypted key; the file must not exist yet.")
        var relayKey: String

        @Option(help: "A file holding the passphrase to encrypt it under (one trailing newline is ignored).")
        var passphraseFile: String

        func validate() throws {
            guard !FileManager.default.fileExists(atPath: relayKey) else {
                throw ValidationError("--relay-key \(relayKey) exists already; a relay key is made once (move the old one away first)")
            }
            var isDirectory: ObjCBool = false
            let folder = URL(fileURLWithPath: relayKey).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--relay-key: the folder \(folder) does not exist")
            }
        }

        func run() async throws {
            var contents: [UInt8]
            do { contents = try KeyFileStorage.read(path: passphraseFile) } catch {
                printToStandardError("make-key: cannot read the passphrase file: \(error)")
                throw ExitCode.failure
            }
            let passphrase = EncryptedPrivateKeyFile.passphrase(fromFileContents: &contents)
            guard passphrase.count >= 12 else {
                printToStandardError("make-key: the passphrase in \(passphraseFile) is shorter than 12 bytes; use a long random one")
                throw ExitCode.failure
            }
            let key: SigningKeyPair
            do {
                key = try RelayKey.load(path: relayKey, passphrase: passphrase, create: true)
            } catch {
                printToStandardError("make-key: \(error)")
                throw ExitCode.failure
            }
            print("""
                relay key written to \(relayKey) (encrypted under the passphrase in \(passphraseFile))
                  public key   \(Base64URL.encode(key.publicKey.bytes))
                  fingerprint  \(Fingerprint(signKey: key.publicKey))
                The relay's service user must be able to read it and the passphrase file:
                  chown root:netreach \(relayKey) \(passphraseFile) && chmod 0640 \(relayKey) \(passphraseFile)
                """)
        }
    }
}
