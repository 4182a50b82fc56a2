import Foundation
public import Sodium
import NetreachCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a command's passphrase comes from, in the order the CLI tries them: `--passphrase-file`,
/// then `NETREACH_PASSPHRASE` (for scripts), then a prompt on the terminal with echo off.
public enum Passphrase {
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A new key's passphrase must be at least this many bytes (several random words are best).
    public static let minimumNewCount = 10

    /// The passphrase for a key. For a new key (`isNew`) a terminal asks twice, and a short one is refused.
    public static func obtain(file: String?, environment: [String: String], prompt: String,
                              isNew: Bool = false) throws(Error) -> SecureBytes {
        let secret: SecureBytes
        if let file {
            guard var contents = FileManager.default.contents(atPath: file).map({ Array($0) }) else {
                throw Error(description: "cannot read the passphrase file \(file)")
            }
            secret = EncryptedPrivateKeyFile.passphrase(fromFileContents: &contents)
        } else if let value = environment["NETREACH_PASSPHRASE"] {
            secret = SecureBytes(copying: Array(value.utf8))
        } else {
            secret = try readFromTerminal(prompt: prompt)
            if isNew {
                let again = try readFromTerminal(prompt: "Type it again: ")
                guard secret.isEqual(to: again) else { throw Error(description: "the two passphrases differ; nothing was written") }
            }
        }
        guard secret.count > 0 else { throw Error(description: "the passphrase is empty") }
        if isNew && secret.count < minimumNewCount {
            throw Error(description: "a new key's passphrase needs at least \(minimumNewCount) characters; several random words are best")
        }
        return secret
    }

    /// Reads one line from the controlling terminal with echo off, restoring the terminal after.
    private static func readFromTerminal(prompt: String) throws(Error) -> SecureBytes {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw Error(description: "no passphrase: there is no terminal to ask on; give --passphrase-file or set NETREACH_PASSPHRASE")
        }
        defer { close(fd) }
        var saved = termios()
        let haveTerminal = tcgetattr(fd, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ICANON)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer {
            if haveTerminal {
                tcsetattr(fd, TCSAFLUSH, &saved)
                _ = write(fd, "\n", 1)
            }
        }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var line: [UInt8] = []
        defer { Sodium.memzero(&line) }
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 0x0A {
            line.append(byte)
            guard line.count <= 1024 else { throw Error(description: "a passphrase is at most 1024 bytes") }
        }
        if line.last == 0x0D { line.removeLast() }
        guard !line.isEmpty else { throw Error(description: "the passphrase is empty") }
        return SecureBytes(copying: line)
    }
}
