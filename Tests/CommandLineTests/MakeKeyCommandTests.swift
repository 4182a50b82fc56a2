import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// `netreach-relay make-key`: the relay's key, made once in the key ceremony.
@Suite("netreach-relay make-key")
struct MakeKeyCommandTests {
    static func folder() throws -> String {
        let directory = NSTemporaryDirectory() + "netreach-make-key-" + Hex.encode(Random.bytes(count: 6))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("makes an encrypted key (0600) that the relay opens with the passphrase, and prints its public key and fingerprint")
    func makesKey() async throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let passphrase = directory + "/relay.passphrase", key = directory + "/relay.key"
        try Data("correct horse battery staple relay\n".utf8).write(to: URL(fileURLWithPath: passphrase))
        let made = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", key, "--passphrase-file", passphrase])
        #expect(made.status == 0, "\(made.standardError)")
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let opened = try RelayKey.load(path: key, passphrase: SecureBytes(copying: Array("correct horse battery staple relay".utf8)),
                                       create: false, limits: PrivateKeyKind.relay.defaultLimits)
        #expect(made.standardOutput.contains("public key   \(Base64URL.encode(opened.publicKey.bytes))"))
        #expect(made.standardOutput.contains("fingerprint  \(Fingerprint(signKey: opened.publicKey))"))
        #expect(made.standardOutput.contains("chown root:netreach"))
        // The file holds no secret in the clear.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: key)))
        #expect(bytes.firstRange(of: opened.seed.copyBytes()) == nil)

        // A second run never replaces the key: usage error, the file unchanged.
        let again = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", key, "--passphrase-file", passphrase])
        #expect(again.status == 2, "\(again.status) \(again.standardError)")
        #expect(again.standardError.contains("exists already"))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: key))) == bytes)
    }

    @Test("bad input: no passphrase file, a short passphrase, a missing folder; nothing is written")
    func badInput() async throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/relay.key"
        let missing = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", key, "--passphrase-file", directory + "/nope"])
        #expect(missing.status == 1 && missing.standardError.contains("cannot read the passphrase file"), "\(missing.standardError)")
        let short = directory + "/short"
        try Data("hunter2\n".utf8).write(to: URL(fileURLWithPath: short))
        let weak = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", key, "--passphrase-file", short])
        #expect(weak.status == 1 && weak.standardError.contains("shorter than 12 bytes"), "\(weak.standardError)")
        let nowhere = try await BinaryRunner.run("netreach-relay", ["make-key", "--relay-key", directory + "/no/such/relay.key",
                                                                    "--passphrase-file", short])
        #expect(nowhere.status == 2 && nowhere.standardError.contains("does not exist"), "\(nowhere.standardError)")
        #expect(!FileManager.default.fileExists(atPath: key))
    }
}
