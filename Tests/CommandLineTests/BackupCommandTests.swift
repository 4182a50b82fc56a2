import EventLog
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// A plain log with a relay key beside it, for `netreach-relay backup` and `restore` without a relay.
struct BackupFixture {
    let directory: String
    var data: String { directory + "/data" }
    var backup: String { directory + "/backup" }
    var relayKey: String { directory + "/relay.key" }
    var passphraseFile: String { directory + "/relay.passphrase" }
    let publicKey: SigningPublicKey

    static func make(events: Int) async throws -> BackupFixture {
        let directory = NSTemporaryDirectory() + "netreach-backup-" + Hex.encode(Random.bytes(count: 6))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passphrase = "backup fixture passphrase"
        try Data(passphrase.utf8).write(to: URL(fileURLWithPath: directory + "/relay.passphrase"))
        let key = SigningKeyPair.generate()
        let file = try EncryptedPrivateKeyFile.create(kind: .relay, name: "relay", secrets: key.seed,
                                                      passphrase: SecureBytes(copying: Array(passphrase.utf8)), limits: .interactive)
        try EncryptedPrivateKeyFile.write(file, to: directory + "/relay.key")
        let fixture = BackupFixture(directory: directory, publicKey: key.publicKey)
        try await fixture.append(events, from: 0)
        return fixture
    }

    func append(_ count: Int, from first: Int) async throws {
        let store = try FileEventStore(directory: data)
        for n in first..<(first + count) {
            _ = try await store.append(to: try StreamName("conv:\(n % 3)"), expectedVersion: .any,
                                       events: [ProposedEvent(type: "message.posted", timeMilliseconds: 1_700_000_000_000 + UInt64(n),
                                                              payload: Array("sealed message \(n) ".utf8) + [UInt8](repeating: UInt8(n & 0xFF), count: 200))])
        }
        await store.close()
    }

    func backup(to target: String? = nil, dataDir: String? = nil) async throws -> (BinaryRunner.Outcome, [String: Any]) {
        let outcome = try await BinaryRunner.run("netreach-relay", ["backup", "--data-dir", dataDir ?? data, "--to", target ?? backup,
                                                                    "--relay-key", relayKey, "--passphrase-file", passphraseFile, "--format", "json"])
        let fields = (try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))) as? [String: Any] ?? [:]
        return (outcome, fields)
    }

    func restore(from source: String? = nil, to target: String, publicKey: SigningPublicKey? = nil) async throws -> BinaryRunner.Outcome {
        try await BinaryRunner.run("netreach-relay", ["restore", "--from", source ?? backup, "--data-dir", target,
                                                      "--relay-public-key", Hex.encode((publicKey ?? self.publicKey).bytes)])
    }

    static func verify(_ dataDir: String) async throws -> (BinaryRunner.Outcome, [String: String]) {
        let outcome = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--data-dir", dataDir, "--format", "json"])
        let fields = (try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))) as? [String: String] ?? [:]
        return (outcome, fields)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite("netreach-relay backup and restore: good input and each bad one")
struct BackupCommandTests {
    @Test("a backup copies the log, the next copies only what is new, and the restore verifies to the same head")
    func incrementalBackupRestores() async throws {
        let fixture = try await BackupFixture.make(events: 20)
        defer { fixture.remove() }
        let (first, one) = try await fixture.backup()
        #expect(first.status == 0, "\(first.standardError)")
        #expect(one["events"] as? Int == 20 && one["incremental"] as? Bool == false)
        #expect(one["bytesCopied"] as? Int == one["totalBytes"] as? Int)

        let (same, nothing) = try await fixture.backup()
        #expect(same.status == 0 && nothing["bytesCopied"] as? Int == 0 && nothing["events"] as? Int == 20, "\(same.standardError)")

        try await fixture.append(10, from: 20)
        let (second, two) = try await fixture.backup()
        #expect(second.status == 0, "\(second.standardError)")
        let copied = try #require(two["bytesCopied"] as? Int), total = try #require(two["totalBytes"] as? Int)
        #expect(two["events"] as? Int == 30 && two["incremental"] as? Bool == true)
        #expect(copied > 0 && copied < total / 2, "copied \(copied) of \(total)")

        let restored = fixture.directory + "/restored"
        let outcome = try await fixture.restore(to: restored)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let (verified, head) = try await BackupFixture.verify(restored)
        #expect(verified.status == 0 && head["events"] == "30" && head["chain"] == two["chain"] as? String, "\(verified.standardError)")
        let (original, originalHead) = try await BackupFixture.verify(fixture.data)
        #expect(original.status == 0 && originalHead["chain"] == head["chain"])
        // The restored log opens and takes appends where the old one left off.
        let store = try FileEventStore(directory: restored)
        let appended = try await store.append(to: "conv:0", expectedVersion: .any,
                                              events: [ProposedEvent(type: "message.posted", timeMilliseconds: 1, payload: [1, 2, 3])])
        #expect(appended.firstPosition == 30)
        await store.close()
    }

    @Test("an erasure after a backup reaches the backup's copies at the next one (they were never copied twice before)")
    func erasureReachesBackup() async throws {
        let fixture = try await BackupFixture.make(events: 20)
        defer { fixture.remove() }
        let (first, _) = try await fixture.backup()
        #expect(first.status == 0, "\(first.standardError)")
        let erased = Array("sealed message 4 ".utf8)
        func backupHolds(_ bytes: [UInt8]) -> Bool {
            var all: [UInt8] = []
            for name in (try? FileManager.default.subpathsOfDirectory(atPath: fixture.backup)) ?? [] {
                if let data = FileManager.default.contents(atPath: fixture.backup + "/" + name) { all += data }
            }
            return ErasureCommandTests.contains(all, bytes)
        }
        #expect(backupHolds(erased))
        let store = try FileEventStore(directory: fixture.data)
        #expect(try await store.redact(position: 4))
        await store.close()

        let (second, fields) = try await fixture.backup()
        #expect(second.status == 0, "\(second.standardError)")
        #expect(fields["erasedInCopies"] as? Int == 1, "\(fields)")
        #expect(!backupHolds(erased), "the erased record is still readable in the backup")
        #expect(backupHolds(Array("sealed message 5 ".utf8)), "more than the erased record went")
        let (third, again) = try await fixture.backup()
        #expect(third.status == 0 && again["erasedInCopies"] as? Int == 0)

        let restored = fixture.directory + "/restored"
        let outcome = try await fixture.restore(to: restored)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let (verified, head) = try await BackupFixture.verify(restored)
        #expect(verified.status == 0 && head["events"] == "20" && head["chain"] == fields["chain"] as? String, "\(verified.standardError)")
    }

    @Test("a backup of a log whose last write is torn (or still being written) ends at the last whole record")
    func tornTailIsNotCopied() async throws {
        let fixture = try await BackupFixture.make(events: 8)
        defer { fixture.remove() }
        let segment = fixture.data + "/00000000000000000000.seg"
        let (_, before) = try await BackupFixture.verify(fixture.data)
        // Half of a frame after the last record, as a write in progress or a power cut leaves it.
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        let bytes = try #require(try handle.readToEnd())
        var end = 64
        while end + 4 <= bytes.count {
            let length = Int(bytes[end]) | Int(bytes[end + 1]) << 8 | Int(bytes[end + 2]) << 16 | Int(bytes[end + 3]) << 24
            if length == 0 { break }
            end += length + 8
        }
        try handle.seek(toOffset: UInt64(end))
        handle.write(Data(bytes[64..<(64 + 120)]))
        try handle.close()
        let (outcome, fields) = try await fixture.backup()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(fields["events"] as? Int == 8 && fields["chain"] as? String == before["chain"])
        #expect(fields["totalBytes"] as? Int == end)
    }

    @Test("backup: a data directory that does not exist is refused, naming it")
    func missingDataDirectory() async throws {
        let fixture = try await BackupFixture.make(events: 1)
        defer { fixture.remove() }
        let missing = fixture.directory + "/no-such-data"
        let (outcome, _) = try await fixture.backup(dataDir: missing)
        #expect(outcome.status == 1 && outcome.standardError.contains(missing) && outcome.standardError.contains("does not exist"), "\(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.backup))
    }

    @Test("backup: a directory that is not an event log is refused, naming it")
    func notALog() async throws {
        let fixture = try await BackupFixture.make(events: 1)
        defer { fixture.remove() }
        let empty = fixture.directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let (outcome, _) = try await fixture.backup(dataDir: empty)
        #expect(outcome.status == 1 && outcome.standardError.contains(empty) && outcome.standardError.contains("no segment files"), "\(outcome.standardError)")
    }

    @Test("backup: another log backed up into the same directory is refused as diverged, and the backup stays")
    func divergedLog() async throws {
        let fixture = try await BackupFixture.make(events: 3)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        let other = try await BackupFixture.make(events: 5)
        defer { other.remove() }
        let (outcome, _) = try await fixture.backup(dataDir: other.data)
        #expect(outcome.status == 1 && outcome.standardError.contains("diverged"), "\(outcome.standardError)")
        let restored = fixture.directory + "/restored"
        #expect(try await fixture.restore(to: restored).status == 0)
        #expect(try await BackupFixture.verify(restored).1["events"] == "3")
    }

    @Test("restore: a backup directory that does not exist, or holds no manifest, is refused, naming the path")
    func unreadableBackup() async throws {
        let fixture = try await BackupFixture.make(events: 1)
        defer { fixture.remove() }
        let missing = try await fixture.restore(from: fixture.directory + "/nothing", to: fixture.directory + "/r1")
        #expect(missing.status == 1 && missing.standardError.contains(fixture.directory + "/nothing"), "\(missing.standardError)")
        let noManifest = fixture.directory + "/empty-backup"
        try FileManager.default.createDirectory(atPath: noManifest, withIntermediateDirectories: true)
        let empty = try await fixture.restore(from: noManifest, to: fixture.directory + "/r2")
        #expect(empty.status == 1 && empty.standardError.contains(noManifest + "/manifest"), "\(empty.standardError)")
        try Data("not a manifest\n".utf8).write(to: URL(fileURLWithPath: noManifest + "/manifest"))
        let garbage = try await fixture.restore(from: noManifest, to: fixture.directory + "/r3")
        #expect(garbage.status == 1 && garbage.standardError.contains("manifestInvalid"), "\(garbage.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/r3"))
    }

    @Test("restore: a target directory that is not empty is refused, naming it, and left as it was")
    func nonEmptyTarget() async throws {
        let fixture = try await BackupFixture.make(events: 2)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        let outcome = try await fixture.restore(to: fixture.data)
        #expect(outcome.status == 1 && outcome.standardError.contains(fixture.data) && outcome.standardError.contains("not empty"), "\(outcome.standardError)")
        #expect(try await BackupFixture.verify(fixture.data).0.status == 0)
        // An empty directory is a fine target.
        let empty = fixture.directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(try await fixture.restore(to: empty).status == 0)
        #expect(try await BackupFixture.verify(empty).1["events"] == "2")
    }

    @Test("restore: a manifest changed after it was signed is refused")
    func tamperedManifest() async throws {
        let fixture = try await BackupFixture.make(events: 5)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        let path = fixture.backup + "/manifest"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "events: 5", with: "events: 4").utf8).write(to: URL(fileURLWithPath: path))
        let outcome = try await fixture.restore(to: fixture.directory + "/restored")
        #expect(outcome.status == 1 && outcome.standardError.contains(path) && outcome.standardError.contains("signature does not verify"),
                "\(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/restored"))
    }

    @Test("restore: a backup signed by another key than the relay's given is refused")
    func otherSigner() async throws {
        let fixture = try await BackupFixture.make(events: 2)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        let outcome = try await fixture.restore(to: fixture.directory + "/restored", publicKey: SigningKeyPair.generate().publicKey)
        #expect(outcome.status == 1 && outcome.standardError.contains("not by the relay key given"), "\(outcome.standardError)")
    }

    @Test("restore: one changed byte in a backed-up segment is refused, naming the segment file")
    func tamperedSegment() async throws {
        let fixture = try await BackupFixture.make(events: 5)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        let path = fixture.backup + "/segments/00000000000000000000.seg"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 20] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let outcome = try await fixture.restore(to: fixture.directory + "/restored")
        #expect(outcome.status == 1 && outcome.standardError.contains(path) && outcome.standardError.contains("segmentMismatch"), "\(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/restored"))
        let siblings = try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
        #expect(!siblings.contains { $0.contains(".restoring-") }, "a temporary directory was left: \(siblings)")
    }

    @Test("restore: a usage error without a key to trust")
    func noTrustedKey() async throws {
        let outcome = try await BinaryRunner.run("netreach-relay", ["restore", "--from", "/tmp/x", "--data-dir", "/tmp/y"])
        #expect(outcome.status == 2 && outcome.standardError.contains("--relay-public-key"), "\(outcome.standardError)")
    }

    @Test("backup onto a full disk fails naming the path, and the previous backup stays whole and restores",
          .enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root with CAP_SYS_ADMIN"))
    func fullDisk() async throws {
        let fixture = try await BackupFixture.make(events: 10)
        defer { fixture.remove() }
        let disk = try SmallDisk(at: fixture.backup, bytes: 1 << 20)
        defer { disk.unmount() }
        #expect(try await fixture.backup().0.status == 0)
        try await fixture.append(400, from: 10)
        try disk.fill(leaving: 8 << 10)
        let (full, _) = try await fixture.backup()
        #expect(full.status == 1 && full.standardError.contains(fixture.backup) && full.standardError.contains("disk is full"), "\(full.standardError)")
        #expect(full.standardError.contains("previous backup"))
        disk.freeBallast()
        let restored = fixture.directory + "/restored"
        #expect(try await fixture.restore(to: restored).status == 0)
        #expect(try await BackupFixture.verify(restored).1["events"] == "10")
        let (again, fields) = try await fixture.backup()
        #expect(again.status == 0 && fields["events"] as? Int == 410, "\(again.standardError)")
    }

    @Test("restore onto a full disk fails naming the path and leaves nothing behind",
          .enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root with CAP_SYS_ADMIN"))
    func restoreOntoFullDisk() async throws {
        let fixture = try await BackupFixture.make(events: 300)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        let small = fixture.directory + "/small"
        let disk = try SmallDisk(at: small, bytes: 64 << 10)
        defer { disk.unmount() }
        let outcome = try await fixture.restore(to: small + "/data")
        #expect(outcome.status == 1 && outcome.standardError.contains(small) && outcome.standardError.contains("disk is full"), "\(outcome.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: small).isEmpty)
    }

    @Test("backup: a second backup into a directory while one runs is refused, and the first one's backup stays")
    func concurrentBackup() async throws {
        let fixture = try await BackupFixture.make(events: 3)
        defer { fixture.remove() }
        #expect(try await fixture.backup().0.status == 0)
        // Hold the backup directory's lock as a running backup does.
        let fd = open(fixture.backup + "/LOCK", O_RDWR | O_CLOEXEC)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        try await fixture.append(2, from: 3)
        let (outcome, _) = try await fixture.backup()
        close(fd)
        #expect(outcome.status == 1 && outcome.standardError.contains(fixture.backup)
                && outcome.standardError.contains("another backup into this directory is running"), "\(outcome.standardError)")
        let restored = fixture.directory + "/restored"
        #expect(try await fixture.restore(to: restored).status == 0)
        #expect(try await BackupFixture.verify(restored).1["events"] == "3")
    }
}
