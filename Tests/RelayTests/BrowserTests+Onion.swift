import ChildProcess
import EventLog
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

extension BrowserTests {
    /// An onion name (56 base32 characters); any will do, since Chromium maps every .onion to 127.0.0.1.
    static let onionName = "24pcb6rhsoo6gtdvwo5mtoycn7q4n5tziai4znekpyvhqfgkpg6dhrid.onion"

    @Test("from an http .onion origin (mapped to 127.0.0.1) a chat opens and a message reaches staff, as a secure context (Tor Browser) or not (Chromium)",
          arguments: ["tor-browser", "chromium"])
    func onionOrigin(_ mode: String) async throws {
        let deployment = try Deployment()
        // Behind tor every visitor arrives from 127.0.0.1: the relay runs as --behind-proxy makes it.
        let relay = try await TestRelay(directory: try deployment.keyring(), powBits: 12, opensPerAddressPerHour: 0)
        let base = "http://\(Self.onionName):\(relay.port)"
        let browser = try ChildProcess("/usr/bin/python3", [Self.fixtures.appendingPathComponent("browser_onion.py").path, base, mode])
        let deadline = ContinuousClock.now + .seconds(300)
        while browser.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
        }
        let result = await Self.finish(browser, script: "browser_onion.py")
        #expect(result.status == 0, "browser_onion.py exited \(result.status)")

        // What the page stored opens with a staff key: the chat is end to end encrypted as from any origin.
        let sam = deployment.member("sam")
        var key: SecureBytes?
        var heard: [String] = []
        for record in try await relay.core.store.read(from: 0, maxCount: 1_000) {
            let event = try Event(bytes: record.payload)
            if event.kind == .conversationOpened {
                let content = try ConversationOpened(content: event.content)
                key = try content.wraps.first { $0.recipient == sam.keyID }?.open(with: sam.box, from: content.visitorBoxKey)
            } else if event.kind == .messagePosted, let key {
                heard.append(try SealedText.open(event.content, key: key))
            }
        }
        #expect(heard == ["Hello from an onion origin"])
        await relay.stop()
    }
}
