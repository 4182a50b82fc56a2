import Foundation
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// `netreach org offboard` (docs/KEYS.md, "Offboarding"; issue 20, item 5): once someone who left is
/// revoked, every conversation they could read gets new keys, and what is written afterwards does
/// not open with anything in a copy of their folder.
@Suite("netreach org offboard")
struct OffboardCommandTests {
    /// The staff member's secrets as a thief with their folder and passphrase has them: enrolled and period keys.
    static func secrets(home: String, name: String, passphraseFile: String) throws -> StaffSecrets {
        let passphrase = try Passphrase.obtain(file: passphraseFile, environment: [:], prompt: "")
        let folder = try NetreachHome(path: home)
        let credentials = try StaffCredentials.load(home: folder, name: name, passphrase: passphrase)
        let held = try PeriodKeyFile.load(home: folder, credentials: credentials)
        return StaffSecrets(signing: credentials.signing, box: credentials.box, periodBoxes: held.map(\.secret))
    }

    /// The `key.rotated` the visitor receives, opened with its own X25519 key: the new conversation key.
    static func rotatedKey(for visitor: TestVisitor, keyring: Keyring) async -> SecureBytes? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard let message = await visitor.connection.next("event", timeout: deadline - .now) else { return nil }
            guard message["kind"] as? String == "key.rotated", let text = message["event"] as? String,
                  let event = try? Event(bytes: Base64URL.decode(text)), let rotated = try? KeyRotated(content: event.content),
                  let author = keyring.certificates.first(where: { $0.signKey == event.author }) else { continue }
            let mine = KeyID(visitor.identity.signing.publicKey).bytes
            guard let wrap = rotated.wraps.first(where: { $0.recipient == mine }),
                  let key = try? wrap.open(with: visitor.identity.box, from: author.boxKey),
                  KeyRotated.keyID(of: key) == rotated.keyID else { return nil }
            return key
        }
        return nil
    }

    @Test("sam leaves: refused until the relay has the revocation; then the chat gets new keys for jo and the visitor, the visitor and jo write with them, a copy of sam's folder opens the old messages and none of the new, a colleague granted later reads both, and the audit shows it")
    func offboarding() async throws {
        let (deployment, visitor) = try await AuditCommandTests.answeredChat()
        defer { deployment.stop() }
        #expect(try await deployment.netreach("sam", ["note", visitor.shortID, "lives near the station"]).status == 0)
        let samCopy = deployment.directory + "/stolen-sam"
        try FileManager.default.copyItem(atPath: deployment.home("sam"), toPath: samCopy)

        // Not yet revoked: nothing is re-keyed. A worker may not offboard; an unknown name is a usage error.
        let early = try await deployment.netreach("jo", ["org", "offboard", "sam"])
        #expect(early.status == 1 && early.standardError.contains("still counts sam as active staff"), "\(early.standardError)")
        let worker = try await deployment.netreach("sam", ["org", "offboard", "jo"])
        #expect(worker.status == 1 && worker.standardError.contains("for supervisors"), "\(worker.standardError)")
        let unknown = try await deployment.netreach("jo", ["org", "offboard", "nobody"])
        #expect(unknown.status == 2 && unknown.standardError.contains("no staff member named nobody"), "\(unknown.standardError)")
        let flags = try await deployment.netreach("jo", ["org", "offboard", "sam", "--reason", "left"])
        #expect(flags.status != 0 && flags.standardError.contains("go with --revoke"), "\(flags.standardError)")

        // --revoke writes the revocation; the relay has not loaded it, so the re-key waits.
        let revoked = try await deployment.netreach("jo", ["org", "offboard", "sam", "--revoke", "--reason", "left the project",
                                                           "--keys", deployment.directory + "/Keys",
                                                           "--private-key", deployment.directory + "/private/org.key",
                                                           "--org-passphrase-file", deployment.passphraseFile])
        #expect(revoked.status == 1, "\(revoked.standardOutput)")
        #expect(revoked.standardOutput.contains("wrote " + deployment.directory + "/Keys/revoked/sam-"), "\(revoked.standardOutput)")
        #expect(revoked.standardError.contains("nothing was re-keyed"), "\(revoked.standardError)")
        let events = { () async throws -> [StoredEvent] in try await LocalReplica(directory: deployment.home("jo") + "/replica").allEvents() }
        #expect(try await events().filter { $0.kind == .keyRotated }.isEmpty, "re-keyed before the relay had the revocation")

        #expect(try await deployment.reloadKeyringAndLogin("jo"), "jo could not log in after the keyring was reloaded")
        let done = try await deployment.netreach("jo", ["org", "offboard", "sam"])
        #expect(done.status == 0, "\(done.standardError)")
        #expect(done.standardOutput.contains("re-keyed 1 conversation(s) that sam could read (2 new key(s))"), "\(done.standardOutput)")
        let again = try await deployment.netreach("jo", ["org", "offboard", "sam"])
        #expect(again.standardOutput.contains("re-keyed 0 conversation(s)") && again.standardOutput.contains("1 re-keyed already"),
                "\(again.standardOutput)")

        // The visitor receives the new conversation key and writes with it; jo answers and notes with the new keys.
        let keyring = try deployment.keyring()
        let newKey = try #require(await Self.rotatedKey(for: visitor, keyring: keyring), "the visitor got no new conversation key")
        var rekeyed = visitor
        rekeyed.key = newKey
        try await rekeyed.say("after sam left: I moved to 9 Hill Street")
        #expect(try await deployment.netreach("jo", ["send", visitor.shortID, "thanks, noted", "--as-colleague"]).status == 0)
        #expect(await rekeyed.nextStaffMessage() == "thanks, noted", "the visitor cannot read jo's reply under the new key")
        #expect(try await deployment.netreach("jo", ["note", visitor.shortID, "new address given", "--as-colleague"]).status == 0)
        let transcript = try await deployment.netreach("jo", ["transcript", visitor.shortID])
        for text in ["hello", "hi", "lives near the station", "after sam left: I moved to 9 Hill Street", "thanks, noted", "new address given",
                     "replaced the conversation key"] {
            #expect(transcript.standardOutput.contains(text), "jo's transcript lacks '\(text)': \(transcript.standardOutput)")
        }

        // What a thief with sam's folder (copied before) and the whole log holds: the old texts open, the new ones do not.
        let all = try await events().filter { $0.conversation == visitor.identity.conversation }
        let stolen = try Self.secrets(home: samCopy, name: "sam", passphraseFile: deployment.passphraseFile)
        let stolenKeys = ConversationKeys.resolve(events: all, me: stolen, keyring: keyring)
        func opened(_ keys: [SecureBytes]) -> [String] {
            all.filter { [.messagePosted, .noteAdded].contains($0.kind) }.compactMap { ConversationKeys.open($0.event.content, with: keys) }
        }
        #expect(Set(opened(stolenKeys.conversationKeys + stolenKeys.staffKeys)) == ["hello", "hi", "lives near the station"])
        let jo = try Self.secrets(home: deployment.home("jo"), name: "jo", passphraseFile: deployment.passphraseFile)
        let joKeys = ConversationKeys.resolve(events: all, me: jo, keyring: keyring)
        #expect(Set(opened(joKeys.conversationKeys + joKeys.staffKeys)) == ["hello", "hi", "lives near the station", "new address given",
                                                                              "after sam left: I moved to 9 Hill Street", "thanks, noted"])

        // kim, enrolled afterwards, is granted the chat and reads all of it: the old keys and the new ones.
        let made = try await deployment.netreach("kim", ["staff", "init", "--name", "kim", "--kdf", "interactive"])
        #expect(made.status == 0, "\(made.standardError)")
        let who = try await deployment.netreach("kim", ["whoami", "--format", "json"])
        let fingerprint = try #require((try JSONSerialization.jsonObject(with: Data(who.standardOutput.utf8)) as? [String: Any])?["fingerprint"] as? String)
        #expect(try await deployment.netreach("kim", ["org", "enrol", deployment.home("kim") + "/kim.pub", "--role", "worker", "--keys",
                                                      deployment.directory + "/Keys", "--private-key", deployment.directory + "/private/org.key",
                                                      "--fingerprint", fingerprint]).status == 0)
        #expect(try await deployment.reloadKeyringAndLogin("kim"), "kim could not log in after the keyring was reloaded")
        let granted = try await deployment.netreach("jo", ["grant", "kim", visitor.shortID])
        #expect(granted.status == 0 && granted.standardOutput.contains("shared the keys of 1 conversation(s)"), "\(granted.standardError)")
        let kimReads = try await deployment.netreach("kim", ["transcript", visitor.shortID])
        for text in ["hello", "lives near the station", "after sam left: I moved to 9 Hill Street", "new address given"] {
            #expect(kimReads.standardOutput.contains(text), "kim's transcript lacks '\(text)': \(kimReads.standardOutput)")
        }
        #expect(!kimReads.standardOutput.contains("cannot be read"), "\(kimReads.standardOutput)")
        #expect(try await deployment.netreach("kim", ["send", visitor.shortID, "kim here", "--as-colleague"]).status == 0)
        #expect(await rekeyed.nextStaffMessage() == "kim here", "kim wrote with an older key than the visitor's")

        let audit = try await deployment.netreach("jo", ["audit", "--action", "keys-rotated"])
        #expect(audit.status == 0 && audit.standardOutput.components(separatedBy: "keys-rotated").count - 1 == 2, "\(audit.standardOutput)")
        let verify = try await deployment.netreach("jo", ["verify"])
        #expect(verify.status == 0, "\(verify.standardError)")
    }
}
