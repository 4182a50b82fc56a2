import Foundation
import NetreachCore
import Sodium
import Testing

@Suite("Encrypted private key files")
struct EncryptedPrivateKeyFileTests {
    static let passphrase = Array("a passphrase for tests".utf8)
    /// The Ed25519 seed then the X25519 secret key of a staff member.
    static let secrets = Array(repeating: UInt8(0x5A), count: 32) + Array(repeating: UInt8(0xA5), count: 32)
    /// One file made once (Argon2id at interactive limits costs about 0.1 s) and shared by the tests.
    static let sample: [UInt8] = try! EncryptedPrivateKeyFile.create(
        kind: .staff, name: "alice", secrets: SecureBytes(copying: secrets), passphrase: passphrase, limits: .interactive)

    @Test("a created file opens with its passphrase to the same secrets")
    func roundTrip() throws {
        let opened = try EncryptedPrivateKeyFile.open(bytes: Self.sample, passphrase: Self.passphrase)
        #expect(opened.isEqual(to: Self.secrets))
        let header = try EncryptedPrivateKeyFile(parsing: Self.sample)
        #expect(header.kind == .staff)
        #expect(header.name == "alice")
        #expect(header.limits == .interactive)
        #expect(header.ciphertext.count == 32 + 64 + SecretBox.macCount)
    }

    @Test("the file has the document's nine lines in order")
    func layout() {
        let lines = text(Self.sample).split(separator: "\n")
        #expect(lines.map { String($0.prefix { $0 != ":" }) }
                == ["netreach-private-key-v1", "kind", "name", "kdf", "opslimit", "memlimit", "salt", "nonce", "ciphertext"])
        #expect(lines[3] == "kdf: argon2id13")
        #expect(lines[4] == "opslimit: \(PasswordHash.Limits.interactive.opsLimit)")
        #expect(lines[5] == "memlimit: \(PasswordHash.Limits.interactive.memLimit)")
    }

    @Test("a wrong passphrase is wrongPassphrase")
    func wrongPassphrase() {
        let error = #expect(throws: KeyError.self) {
            try EncryptedPrivateKeyFile.open(bytes: Self.sample, passphrase: Self.passphrase + [0x21], fileName: "alice.key")
        }
        #expect(error?.code == .wrongPassphrase)
        #expect(error?.file == "alice.key")
    }

    @Test("a damaged ciphertext looks the same as a wrong passphrase")
    func damagedCiphertext() throws {
        let ciphertext = try #require(text(Self.sample).split(separator: "\n").last)
        let damaged = replacing(String(ciphertext), with: "ciphertext: " + Base64URL.encode(Array(repeating: 1, count: 112)), in: Self.sample)
        let error = #expect(throws: KeyError.self) { try EncryptedPrivateKeyFile.open(bytes: damaged, passphrase: Self.passphrase) }
        #expect(error?.code == .wrongPassphrase)
    }

    @Test("an edited name, kind or memlimit that still derives the same key is headerTampered", arguments: [
        ("name: alice", "name: mallory"), ("kind: staff", "kind: relay"),
        // Argon2id counts memory in KiB, so one byte more derives the same key: only the header hash notices.
        ("memlimit: \(PasswordHash.Limits.interactive.memLimit)", "memlimit: \(PasswordHash.Limits.interactive.memLimit + 1)"),
    ])
    func headerTampered(old: String, new: String) {
        let edited = replacing(old + "\n", with: new + "\n", in: Self.sample)
        let error = #expect(throws: KeyError.self) { try EncryptedPrivateKeyFile.open(bytes: edited, passphrase: Self.passphrase) }
        #expect(error?.code == .headerTampered)
    }

    /// The sample with one line replaced.
    static func edited(_ field: String, _ value: String) -> [UInt8] {
        let line = text(sample).split(separator: "\n").first { $0.hasPrefix(field + ": ") }.map(String.init) ?? field
        return replacing(line + "\n", with: "\(field): \(value)\n", in: sample)
    }

    @Test("limits below interactive or above sensitive are refused before any key is derived", arguments: [
        ("opslimit", "1", 5), ("opslimit", "\(PasswordHash.Limits.sensitive.opsLimit + 1)", 5),
        ("opslimit", "18446744073709551615", 5), ("opslimit", "0", 5),
        ("memlimit", "\(PasswordHash.Limits.interactive.memLimit - 1)", 6), ("memlimit", "8192", 6),
        ("memlimit", "\(PasswordHash.Limits.sensitive.memLimit + 1)", 6), ("memlimit", "0", 6),
    ])
    func limitsOutOfRange(field: String, value: String, line: Int) {
        let error = #expect(throws: KeyError.self) { try EncryptedPrivateKeyFile(parsing: Self.edited(field, value)) }
        #expect(error?.code == .limitsOutOfRange)
        #expect(error?.line == line)
    }

    @Test("a header field the document does not allow is refused on its line", arguments: [
        ("kind", "admin", 2), ("kind", "Staff", 2), ("name", "Alice", 3), ("kdf", "argon2i13", 4), ("kdf", "scrypt", 4),
        ("opslimit", "02", 5), ("opslimit", "+2", 5), ("opslimit", "-2", 5), ("opslimit", "2.0", 5),
        ("opslimit", "18446744073709551616", 5), ("memlimit", "64MiB", 6), ("memlimit", "0x4000000", 6),
        ("salt", Base64URL.encode([UInt8](repeating: 1, count: 15)), 7), ("salt", Base64URL.encode([UInt8](repeating: 1, count: 17)), 7),
        ("nonce", Base64URL.encode([UInt8](repeating: 1, count: 23)), 8), ("nonce", "AAAA=", 8),
        ("ciphertext", "not+base64/", 9),
    ])
    func badHeader(field: String, value: String, line: Int) {
        let error = #expect(throws: KeyError.self) { try EncryptedPrivateKeyFile(parsing: Self.edited(field, value)) }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == line)
    }

    @Test("creating refuses limits no reader would accept, before deriving a key", arguments: [
        try! PasswordHash.Limits(opsLimit: 1, memLimit: 8192), try! PasswordHash.Limits(opsLimit: 2, memLimit: 8192),
        try! PasswordHash.Limits(opsLimit: 5, memLimit: PasswordHash.Limits.interactive.memLimit),
    ])
    func createRefusesLimits(limits: PasswordHash.Limits) {
        let error = #expect(throws: KeyError.self) {
            try EncryptedPrivateKeyFile.create(kind: .staff, name: "alice", secrets: SecureBytes(copying: Self.secrets),
                                               passphrase: Self.passphrase, limits: limits)
        }
        #expect(error?.code == .limitsOutOfRange)
    }

    @Test("creating refuses secrets of the wrong size for the kind", arguments: [
        (PrivateKeyKind.staff, 32), (.staff, 96), (.org, 64), (.relay, 0),
    ])
    func createRefusesSecrets(kind: PrivateKeyKind, count: Int) {
        let error = #expect(throws: KeyError.self) {
            try EncryptedPrivateKeyFile.create(kind: kind, name: "alice", secrets: SecureBytes(copying: [UInt8](repeating: 1, count: count)),
                                               passphrase: Self.passphrase, limits: .interactive)
        }
        #expect(error?.code == .invalidValue)
    }

    @Test("creating refuses an empty passphrase and a bad name")
    func createRefusesPassphraseAndName() {
        for (name, passphrase) in [("alice", [UInt8]()), ("Alice", Self.passphrase), ("", Self.passphrase)] {
            let error = #expect(throws: KeyError.self) {
                try EncryptedPrivateKeyFile.create(kind: .staff, name: name, secrets: SecureBytes(copying: Self.secrets),
                                                   passphrase: passphrase, limits: .interactive)
            }
            #expect(error?.code == .invalidValue)
        }
    }

    @Test("the file is written with mode 0600 and reads back the same")
    func write() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("alice.key")
        try EncryptedPrivateKeyFile.write(Self.sample, to: path)
        #expect(directory.bytes(of: "alice.key") == Self.sample)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["alice.key"])
    }

    @Test("writing never replaces an existing key file")
    func writeRefusesExisting() throws {
        let directory = TemporaryDirectory()
        try directory.write(Array("an older key\n".utf8), to: "alice.key")
        let error = #expect(throws: KeyError.self) { try EncryptedPrivateKeyFile.write(Self.sample, to: directory.file("alice.key")) }
        #expect(error?.code == .ioError)
        #expect(directory.bytes(of: "alice.key") == Array("an older key\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["alice.key"])
    }

    @Test("writing refuses bytes that are not an encrypted private key file")
    func writeRefusesPlaintext() throws {
        let directory = TemporaryDirectory()
        let error = #expect(throws: KeyError.self) { try EncryptedPrivateKeyFile.write(Self.secrets, to: directory.file("alice.key")) }
        #expect(error?.code == .malformedText)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a passphrase file loses one trailing LF and nothing else, and its bytes are wiped", arguments: [
        ("secret\n", "secret"), ("secret\n\n", "secret\n"), ("secret", "secret"), (" secret \n", " secret "), ("\n", ""),
    ])
    func passphraseFile(contents: String, expected: String) {
        var bytes = Array(contents.utf8)
        let passphrase = EncryptedPrivateKeyFile.passphrase(fromFileContents: &bytes)
        #expect(passphrase.isEqual(to: Array(expected.utf8)))
        #expect(bytes.isEmpty)
    }

    @Test("the default limits are sensitive for the organisation and moderate otherwise")
    func defaultLimits() {
        #expect(PrivateKeyKind.org.defaultLimits == .sensitive)
        #expect(PrivateKeyKind.staff.defaultLimits == .moderate)
        #expect(PrivateKeyKind.relay.defaultLimits == .moderate)
        #expect(PrivateKeyKind.staff.secretsCount == 64)
        #expect(PrivateKeyKind.org.secretsCount == 32)
    }
}
