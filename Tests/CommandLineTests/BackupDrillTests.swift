import ChildProcess
import Foundation
import NetreachCore
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
}
