import ChildProcess
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

extension BrowserTests {
    @Test("a chat re-keyed while the page is open (someone left): the page reads staff under the old key and the new, writes with the new one only, and reloaded reads the whole history")
    func rekeyedWhileOpen() async throws {
        let deployment = try Deployment(staffNames: ["sam", "jo"], supervisors: ["jo"])
        let sam = deployment.member("sam"), jo = deployment.member("jo")
        try await withTestRelay(directory: try deployment.keyring(), powBits: 12) { relay in
            let staff = try await Self.staffConnection(relay, jo, from: 0)
            defer { Task { await staff.close() } }
            let browser = try ChildProcess("/usr/bin/python3", [Self.fixtures.appendingPathComponent("browser_rekey.py").path, relay.httpBase])
            var conversation: ConversationID?, oldKey: SecureBytes?, newKey: SecureBytes?
            var visitor: (id: [UInt8], box: BoxPublicKey)?
            var visitorTexts: [String] = [], sealedWithOld: [Bool] = []
            func reply(_ text: String, key: SecureBytes, in conversation: ConversationID) async throws {
                try await Self.append(staff, .messagePosted, try SealedText.seal(text, key: key), conversation, jo)
            }
            let deadline = ContinuousClock.now + .seconds(300)
            while browser.isRunning, visitorTexts.count < 2, ContinuousClock.now < deadline {
                guard let message = await staff.next("event", timeout: .milliseconds(300)),
                      let text = message["event"] as? String, let event = try? Event(bytes: Base64URL.decode(text)) else { continue }
                if event.kind == .conversationOpened {
                    let opened = try ConversationOpened(content: event.content)
                    let wrap = try #require(opened.wraps.first { $0.recipient == jo.keyID }, "the opening is not wrapped to jo")
                    oldKey = try wrap.open(with: jo.box, from: opened.visitorBoxKey)
                    conversation = event.conversation
                    visitor = (KeyID(event.author).bytes, opened.visitorBoxKey)
                }
                guard event.kind == .messagePosted, event.author != jo.signing.publicKey, let conversation, let oldKey, let visitor else { continue }
                let current = newKey ?? oldKey
                visitorTexts.append((try? SealedText.open(event.content, key: current)) ?? "(does not open with the current key)")
                sealedWithOld.append((try? SealedText.open(event.content, key: oldKey)) != nil)
                guard newKey == nil else { continue }
                // The first key answers; then jo re-keys the chat as offboarding does, and answers under the new key.
                try await reply("first reply", key: oldKey, in: conversation)
                let key = SecureBytes.random(count: 32)
                let wraps = [Wrap(key: key, to: jo.keyID, recipientKey: jo.box.publicKey, from: jo.box),
                             Wrap(key: key, to: sam.keyID, recipientKey: sam.box.publicKey, from: jo.box),
                             Wrap(key: key, to: visitor.id, recipientKey: visitor.box, from: jo.box)]
                try await Self.append(staff, .keyRotated, KeyRotated(purpose: .conversationKey, keyID: KeyRotated.keyID(of: key), wraps: wraps).content,
                                      conversation, jo)
                newKey = key
                try await reply("second reply, new key", key: key, in: conversation)
            }
            // The page goes on to reload and read the history: it ends by itself.
            _ = await browser.wait(timeout: .seconds(120))
            let outcome = await Self.finish(browser, script: "browser_rekey.py")
            #expect(outcome.status == 0)
            #expect(visitorTexts == ["before the change: I am near the station", "after the change: I moved to Hill Street"])
            #expect(sealedWithOld == [true, false], "the page wrote after the re-key with the old key")
        }
    }
}
