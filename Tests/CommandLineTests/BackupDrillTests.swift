import ChildProcess
import EventLog
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// The restore drill of docs/OPERATIONS.md, "Backups", run against the real relay: chats, two backups
/// while the relay runs, the relay killed and its data directory deleted, restore, verify, start again.
@Suite("Restore drill: a live relay backed up twice, killed, its data deleted, restored", .serialized)
struct BackupDrillTests {
    static func backup(_ deployment: StaffDeployment) async throws -> [String: Any] {
        let outcome = try await BinaryRunner.run("netreach-relay", [
            "backup", "--data-dir", deployment.directory + "/data", "--to", deployment.directory + "/backup",
            "--relay-key", deployment.directory + "/private/relay.key", "--passphrase-file", deployment.passphraseFile, "--format", "json",
        ])
        guard outcome.status == 0, let fields = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any] else {
            throw HarnessError("backup failed: \(outcome.standardError)")
        }
        return fields
    }

    static func chat(_ visitor: TestVisitor, messages: Int) async throws {
        for n in 0..<messages { try await visitor.say("message \(n)") }
    }

    @Test("backup under chat traffic, incremental second backup, SIGKILL, data deleted, restore, log verify, every event there, chats go on")
    func drill() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        // jo's first command publishes jo's period keys (docs/KEYS.md): before the backups, so that nothing is written after backup #2.
        #expect(try await deployment.netreach("jo", ["inbox"]).status == 0)
        let keyring = try deployment.keyring()
        let first = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "hello, is anyone there?")
        #expect(try await deployment.netreach("sam", ["send", first.shortID, "hi, Sam here"]).status == 0)
        // Traffic while the first backup runs: the visitor keeps writing.
        async let chatter: Void = Self.chat(first, messages: 10)
        let one = try await Self.backup(deployment)
        try await chatter
        #expect(one["incremental"] as? Bool == false)

        let second = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "a second chat")
        #expect(try await deployment.netreach("sam", ["send", second.shortID, "welcome"]).status == 0)
        for n in 0..<5 { try await first.say("more \(n)") }
        let two = try await Self.backup(deployment)
        let copied = try #require(two["bytesCopied"] as? Int), total = try #require(two["totalBytes"] as? Int)
        let events = try #require(two["events"] as? Int), chain = try #require(two["chain"] as? String)
        #expect(two["incremental"] as? Bool == true && copied > 0 && copied < total, "copied \(copied) of \(total)")
        #expect(events > one["events"] as? Int ?? .max)
        // The supervisor's replica: every conversation event so far (none is written after backup #2).
        let synced = try await deployment.netreach("jo", ["verify"])
        #expect(synced.status == 0, "\(synced.standardError)")

        deployment.relay.send(SIGKILL)
        deployment.relay.waitBlocking(timeout: .seconds(10))
        try FileManager.default.removeItem(atPath: deployment.directory + "/data")
        let started = ContinuousClock.now
        let restore = try await BinaryRunner.run("netreach-relay", [
            "restore", "--from", deployment.directory + "/backup", "--data-dir", deployment.directory + "/data",
            "--relay-key", deployment.directory + "/private/relay.key", "--passphrase-file", deployment.passphraseFile,
        ])
        let restoreTook = ContinuousClock.now - started
        #expect(restore.status == 0, "\(restore.standardError)")
        let (verified, head) = try await BackupFixture.verify(deployment.directory + "/data")
        #expect(verified.status == 0 && head["events"] == "\(events)" && head["chain"] == chain, "\(verified.standardError) \(head)")
        print("drill: backup #1 \(one["bytesCopied"] ?? "?") bytes in \(one["milliseconds"] ?? "?") ms; backup #2 copied \(copied) of \(total) bytes "
              + "in \(two["milliseconds"] ?? "?") ms; \(events) events; restore (key derivation included) took \(restoreTook)")

        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        // Every record the relay serves chains to backup #2's head, and the replica's events are all in it.
        let after = try await deployment.netreach("jo", ["verify"])
        #expect(after.status == 0 && after.standardOutput.hasPrefix("intact: "), "\(after.standardOutput) \(after.standardError)")
        // Chats go on: in an old conversation and in a new one.
        #expect(try await deployment.netreach("sam", ["send", first.shortID, "still here after the restore"]).status == 0)
        let third = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "new chat after the restore")
        #expect(try await deployment.netreach("sam", ["send", third.shortID, "hello"]).status == 0)
        let last = try await deployment.netreach("jo", ["verify"])
        #expect(last.status == 0, "\(last.standardError)")
    }

    @Test("restore from a supervisor's copy: traffic, backup, more traffic, the supervisor syncs, relay killed and data deleted, nothing after the backup lost")
    func restoreFromReplica() async throws {
        let deployment = try await StaffDeployment.make()
        defer { deployment.stop() }
        try await deployment.login("sam")
        try await deployment.login("jo")
        // jo's first command publishes jo's period keys (docs/KEYS.md): before the backups, so that nothing is written after backup #2.
        #expect(try await deployment.netreach("jo", ["inbox"]).status == 0)
        let keyring = try deployment.keyring()
        let first = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "hello")
        #expect(try await deployment.netreach("sam", ["send", first.shortID, "hi"]).status == 0)
        // The relay signs a checkpoint when it stops gracefully.
        try await deployment.stopRelay()
        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        let second = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "before the backup")
        #expect(try await deployment.netreach("sam", ["send", second.shortID, "answer before the backup"]).status == 0)
        let backup = try await Self.backup(deployment)
        let third = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "after the backup")
        try await second.say("also after the backup")
        #expect(try await deployment.netreach("sam", ["send", third.shortID, "answer after the backup"]).status == 0)
        let synced = try await deployment.netreach("jo", ["verify"])
        #expect(synced.status == 0 && synced.standardOutput.contains("your copy of the relay's log holds"), "\(synced.standardOutput) \(synced.standardError)")
        let (liveVerified, live) = try await BackupFixture.verify(deployment.directory + "/data")
        #expect(liveVerified.status == 0)
        let liveEvents = try #require(Int(live["events"] ?? ""))
        #expect(liveEvents > backup["events"] as? Int ?? .max)

        deployment.relay.send(SIGKILL)
        deployment.relay.waitBlocking(timeout: .seconds(10))
        try FileManager.default.removeItem(atPath: deployment.directory + "/data")
        // Restored from the backup alone, the relay lacks what came after it: the supervisor's verify
        // says so, and leaves the copy that holds it as it was.
        let fromBackup = try await BinaryRunner.run("netreach-relay", [
            "restore", "--from", deployment.directory + "/backup", "--data-dir", deployment.directory + "/data",
            "--relay-key", deployment.directory + "/private/relay.key", "--passphrase-file", deployment.passphraseFile,
        ])
        #expect(fromBackup.status == 0, "\(fromBackup.standardError)")
        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        let short = try await deployment.netreach("jo", ["verify"])
        #expect(short.status == 1 && short.standardError.contains("the relay lost records that your copy holds"), "\(short.standardError)")
        deployment.relay.send(SIGKILL)
        deployment.relay.waitBlocking(timeout: .seconds(10))
        try FileManager.default.removeItem(atPath: deployment.directory + "/data")

        let started = ContinuousClock.now
        let restore = try await BinaryRunner.run("netreach-relay", [
            "restore", "--from-replica", deployment.home("jo"), "--data-dir", deployment.directory + "/data",
            "--relay-key", deployment.directory + "/private/relay.key", "--passphrase-file", deployment.passphraseFile,
        ])
        let took = ContinuousClock.now - started
        #expect(restore.status == 0 && restore.standardOutput.contains("last checkpoint"), "\(restore.standardOutput) \(restore.standardError)")
        let (verified, head) = try await BackupFixture.verify(deployment.directory + "/data")
        #expect(verified.status == 0 && head["events"] == live["events"] && head["chain"] == live["chain"], "\(verified.standardError) \(head) \(live)")
        print("replica restore: \(head["events"] ?? "?") events (the backup held \(backup["events"] ?? "?")) in \(took), key derivation included")

        deployment.relay = try await StaffDeployment.startRelay(directory: deployment.directory, port: deployment.port).0
        let after = try await deployment.netreach("jo", ["verify"])
        #expect(after.status == 0 && after.standardOutput.hasPrefix("intact: "), "\(after.standardOutput) \(after.standardError)")
        #expect(try await deployment.netreach("sam", ["send", third.shortID, "still here after the restore"]).status == 0)
        let fourth = try await TestVisitor.open(base: deployment.base, keyring: keyring, firstMessage: "new chat after the restore")
        #expect(try await deployment.netreach("sam", ["send", fourth.shortID, "hello"]).status == 0)
    }

    @Test("restore from a replica: a folder without a copy, a copy without a relay-signed checkpoint, and a copy whose record was changed are refused, naming the path")
    func replicaBadInput() async throws {
        let fixture = try await BackupFixture.make(events: 4)
        defer { fixture.remove() }
        func restore(_ home: String, to target: String) async throws -> BinaryRunner.Outcome {
            try await BinaryRunner.run("netreach-relay", ["restore", "--from-replica", home, "--data-dir", target,
                                                          "--relay-public-key", Hex.encode(fixture.publicKey.bytes)])
        }
        let noCopy = try await restore(fixture.directory, to: fixture.directory + "/r1")
        #expect(noCopy.status == 1 && noCopy.standardError.contains(fixture.directory + "/relay-log"), "\(noCopy.standardError)")

        let home = fixture.directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let store = try FileEventStore(directory: fixture.data)
        let records = try await store.read(from: 0, maxCount: 100)
        let logID = store.logID
        await store.close()
        let mirror = try LogMirror(directory: home + "/relay-log")
        try mirror.append(records, logID: logID)
        mirror.close()
        let unsigned = try await restore(home, to: fixture.directory + "/r2")
        #expect(unsigned.status == 1 && unsigned.standardError.contains("no checkpoint signed by the relay key"), "\(unsigned.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/r2"))
    }

    @Test("a copy holding a redacted record rebuilds a log where it stays redacted and the chain verifies; one changed byte in the copy is refused")
    func replicaKeepsRedaction() async throws {
        let fixture = try await BackupFixture.make(events: 6)
        defer { fixture.remove() }
        let key = try RelayKey.load(path: fixture.relayKey, passphrase: SecureBytes(copying: Array("backup fixture passphrase".utf8)), create: false)
        let store = try FileEventStore(directory: fixture.data)
        #expect(try await store.redact(position: 2))
        let signed = Checkpoint(signing: store.currentHead(), with: key)
        _ = try await store.append(to: CheckpointService.stream, expectedVersion: .any, events: [
            ProposedEvent(type: CheckpointService.type, timeMilliseconds: 1_700_000_001_000,
                          payload: Checkpoint.signedInput(signed.head) + signed.signature.bytes),
        ])
        _ = try await store.append(to: "conv:9", expectedVersion: .any,
                                   events: [ProposedEvent(type: "message.posted", timeMilliseconds: 1_700_000_002_000, payload: [7, 7, 7])])
        let records = try await store.read(from: 0, maxCount: 100)
        let logID = store.logID
        await store.close()
        #expect(records[2].isRedacted && records[2].payload.isEmpty)
        let home = fixture.directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let mirror = try LogMirror(directory: home + "/relay-log")
        #expect(try mirror.append(Array(records.prefix(5)), logID: logID) == 5)
        // Pages overlap as `netreach verify` fetches them: what the copy holds is skipped.
        #expect(try mirror.append(records, logID: logID) == records.count - 5)
        mirror.close()

        let target = fixture.directory + "/restored"
        let restored = try await BinaryRunner.run("netreach-relay", ["restore", "--from-replica", home, "--data-dir", target,
                                                                     "--relay-public-key", Hex.encode(key.publicKey.bytes)])
        #expect(restored.status == 0 && restored.standardOutput.contains("2 events, chained to it"), "\(restored.standardOutput) \(restored.standardError)")
        let (verified, head) = try await BackupFixture.verify(target)
        let (_, original) = try await BackupFixture.verify(fixture.data)
        #expect(verified.status == 0 && head["redacted"] == "1" && head["events"] == "8" && head["chain"] == original["chain"], "\(head)")
        let reopened = try FileEventStore(directory: target)
        let rebuilt = try await reopened.read(from: 0, maxCount: 100)
        await reopened.close()
        #expect(rebuilt == records)

        let segment = home + "/relay-log/00000000000000000000.seg"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[64 + 60] ^= 0x01  // inside the first record: whole records follow it
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let tampered = try await BinaryRunner.run("netreach-relay", ["restore", "--from-replica", home, "--data-dir", fixture.directory + "/r2",
                                                                     "--relay-public-key", Hex.encode(key.publicKey.bytes)])
        #expect(tampered.status == 1 && tampered.standardError.contains(home + "/relay-log"), "\(tampered.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/r2"))
    }
}
