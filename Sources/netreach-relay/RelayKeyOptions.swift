import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine
import NetreachCore
import NetreachRelay
import Sodium

/// The relay key as `serve` loads it: the encrypted key file and its passphrase (a file, or
/// NETREACH_RELAY_PASSPHRASE). `backup` signs with it; `restore` trusts its public half, or a
/// public key given as hex.
struct RelayKeyOptions: ParsableArguments {
    @Option(help: "The relay's encrypted signing key file (as for `serve`).")
    var relayKey: String?

    @Option(help: "A file holding the relay key's passphrase (default: the NETREACH_RELAY_PASSPHRASE environment variable).")
    var passphraseFile: String?

    /// Opens the key; a missing file, passphrase or a wrong passphrase is a failure naming the file.
    func load(command: String) throws -> SigningKeyPair {
        guard let relayKey else {
            printToStandardError("\(command): --relay-key is required (the relay's encrypted signing key file)")
            throw ExitCode.failure
        }
        let passphrase: SecureBytes
        if let passphraseFile {
            var contents: [UInt8]
            do { contents = try KeyFileStorage.read(path: passphraseFile) } catch {
                printToStandardError("\(command): cannot read the passphrase file \(passphraseFile): \(error)")
                throw ExitCode.failure
            }
            passphrase = EncryptedPrivateKeyFile.passphrase(fromFileContents: &contents)
        } else if let text = ProcessInfo.processInfo.environment["NETREACH_RELAY_PASSPHRASE"] {
            passphrase = SecureBytes(copying: Array(text.utf8))
        } else {
            printToStandardError("\(command): give --passphrase-file or set NETREACH_RELAY_PASSPHRASE for \(relayKey)")
            throw ExitCode.failure
        }
        do {
            return try RelayKey.load(path: relayKey, passphrase: passphrase, create: false)
        } catch {
            printToStandardError("\(command): \(relayKey): \(error)")
            throw ExitCode.failure
        }
    }
}
