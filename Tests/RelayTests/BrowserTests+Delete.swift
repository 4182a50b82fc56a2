import ChildProcess
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

extension BrowserTests {
    @Test("a visitor deletes their chat from the page: it says what it does and cannot undo, the relay erases it, the phone forgets it; a page whose keyring went stale opens with the fresh one; it wraps to sam's period key")
    func deleteThisChat() async throws {
        let deployment = try Deployment()
        let sam = deployment.member("sam"), alex = deployment.member("alex")
        let marker = NSTemporaryDirectory() + "netreach-marker-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: marker) }
        try await withTestRelay(directory: try deployment.keyring(), powBits: 12) { relay in
            let staff = try await Self.staffConnection(relay, sam, from: 0)
            defer { Task { await staff.close() } }
            // sam's client has published this month's period key: the page wraps to it, not to sam's enrolled key.
            let period = PeriodKey.month(containing: UInt64(Date().timeIntervalSince1970 * 1000))
            let samPeriod = try PeriodKey(start: period.start, end: period.end, boxKey: BoxKeyPair.generate().publicKey)
            let published = try Event(kind: .keyPeriod, conversation: .keysFeed, clientTimeMilliseconds: 0, content: samPeriod.content,
                                      signer: sam.signing)
            #expect(await staff.append(published, rid: "period")?["t"] as? String == "ack")
            let samPeriodID = samPeriod.keyID(staff: sam.signing.publicKey)
            let browser = try ChildProcess("/usr/bin/python3", [Self.fixtures.appendingPathComponent("browser_delete.py").path, relay.httpBase,
                                                                 marker])
            // The page has loaded the keyring with alex in it; alex leaves before the visitor starts.
            let loaded = await browser.waitForOutputLine(containing: "\"loaded\"", timeout: .seconds(120))
            #expect(loaded != nil, "the page did not load")
            await relay.core.replaceDirectory(try deployment.keyring(revoking: ["alex"]))
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
            // What the visitor sent, read from the relay's log before the page deletes it (staff, under load, may hear of it after).
            var sealed: [UInt8]?
            if await browser.waitForOutputLine(containing: "\"sent\"", timeout: .seconds(240)) != nil {
                let stored = try await relay.core.store.read(from: 0, maxCount: 1_000).filter { $0.type.value == EventKind.messagePosted.name }
                sealed = try stored.first.map { try Event(bytes: $0.payload).content }
            }
            _ = FileManager.default.createFile(atPath: marker + ".sent", contents: Data())
            defer { try? FileManager.default.removeItem(atPath: marker + ".sent") }
            // Then the relay's record of the erasure, as staff receive it.
            var erasure: ContentErased?
            let deadline = ContinuousClock.now + .seconds(240)
            while browser.isRunning, ContinuousClock.now < deadline {
                guard let message = await staff.next("event", timeout: .milliseconds(300)),
                      let text = message["event"] as? String, let event = try? Event(bytes: Base64URL.decode(text)) else { continue }
                if event.kind == .conversationOpened {
                    let wraps = try ConversationOpened(content: event.content).wraps.map(\.recipient)
                    #expect(!wraps.contains(alex.keyID), "the opening is wrapped to the revoked key")
                    #expect(wraps.contains(samPeriodID) && !wraps.contains(sam.keyID), "the opening is not wrapped to sam's period key")
                }
                if event.kind == .contentErased {
                    #expect(event.author == relay.core.relayKey.publicKey)
                    erasure = try ContentErased(content: event.content)
                }
            }
            let outcome = await Self.finish(browser, script: "browser_delete.py")
            #expect(outcome.status == 0)
            // The page may be done before staff have heard of the erasure: their stream is waited for a while longer.
            let late = ContinuousClock.now + .seconds(60)
            while erasure == nil, ContinuousClock.now < late {
                guard let message = await staff.next("event", timeout: .seconds(1)), let text = message["event"] as? String,
                      let event = try? Event(bytes: Base64URL.decode(text)), event.kind == .contentErased else { continue }
                #expect(event.author == relay.core.relayKey.publicKey)
                erasure = try ContentErased(content: event.content)
            }
            let message = try #require(sealed, "the visitor's message was not in the relay's log once the page said it was stored")
            #expect(!contains(relay.dataDirectoryBytes(), message), "the deleted message is still on the relay's disk")
            let record = try #require(erasure, "staff never received the relay's erasure record")
            #expect(record.rule == .visitorRequest)
            #expect(record.entries.map(\.kind) == [.conversationOpened, .messagePosted])
        }
    }
}
