import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

@Suite("Relay: store and forward, end to end over WebSockets")
struct StoreAndForwardTests {
    @Test("a visitor opens a chat, staff answer, the visitor resumes with the phrase and reads it all; no plaintext is stored")
    func visitorStaffResume() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let sam = deployment.member("sam")
            let visitor = VisitorClient()
            let texts = ["Hello, is anyone there?", "He took my phone and won't give it back",
                         "Yes, I'm here. You're safe to talk.", "Are you somewhere safe right now?"]

            // Staff: authenticate and follow everything.
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            let staffReady = await staff.authenticate(sam.signing, role: .staff)
            #expect(staffReady?["t"] as? String == "ready" && staffReady?["role"] as? String == "staff")
            staff.send(["t": "subscribe", "from": 0])
            #expect(await staff.next("live") != nil)

            // Visitor: authenticate with the phrase's key, open with proof of work, write twice.
            let first = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            let ready = await first.authenticate(visitor.identity.signing, role: .visitor)
            #expect(ready?["conversation"] as? String == visitor.identity.conversation.base64URL)
            #expect(ready?["exists"] as? Bool == false)
            let opened = await first.open(try visitor.openedEvent(for: deployment))
            #expect(opened?["t"] as? String == "ack" && opened?["version"] as? Int == 0)
            for text in texts[0..<2] {
                let ack = await first.append(try visitor.message(text))
                #expect(ack?["t"] as? String == "ack" && ack?["duplicate"] as? Bool == false)
            }

            // Staff receive the opened event, unwrap the conversation key, read both messages.
            let openedEvent = try Event(bytes: Base64URL.decode(try #require(await staff.next("event"))["event"] as! String))
            let content = try ConversationOpened(content: openedEvent.content)
            let wrap = try #require(content.wraps.first { $0.recipient == sam.keyID })
            let key = try wrap.open(with: sam.box, from: content.visitorBoxKey)
            for text in texts[0..<2] {
                let message = try Event(bytes: Base64URL.decode(try #require(await staff.next("event"))["event"] as! String))
                #expect(try SealedText.open(message.content, key: key) == text)
            }

            // The visitor goes away; staff answer while they are gone.
            await first.close()
            for text in texts[2..<4] {
                let reply = try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                      content: SealedText.seal(text, key: key), signer: sam.signing)
                #expect(await staff.append(reply)?["t"] as? String == "ack")
            }

            // The visitor comes back with only the phrase: same keys, same conversation, whole history.
            let words = visitor.phrase.words(in: try WordList(text: String(contentsOfFile: WordList.debianPath, encoding: .utf8)))
            let resumed = VisitorIdentity(phrase: try ResumePhrase(
                parsing: words.joined(separator: " "),
                words: try WordList(text: String(contentsOfFile: WordList.debianPath, encoding: .utf8))))
            let second = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            let again = await second.authenticate(resumed.signing, role: .visitor)
            #expect(again?["exists"] as? Bool == true)
            second.send(["t": "subscribe", "from": 0])
            var history: [String] = []
            var resumedKey: SecureBytes?
            while let message = await second.next(timeout: .seconds(30)), message["t"] as? String != "live" {
                let event = try Event(bytes: Base64URL.decode(message["event"] as! String))
                switch event.kind {
                case .conversationOpened:
                    // Only the phrase is known now: the key comes back from the opened event's wrap to the visitor itself.
                    let content = try ConversationOpened(content: event.content)
                    let mine = try #require(content.wraps.first { $0.recipient == KeyID(resumed.signing.publicKey).bytes })
                    resumedKey = try mine.open(with: resumed.box, from: content.visitorBoxKey)
                case .messagePosted:
                    history.append(try SealedText.open(event.content, key: try #require(resumedKey)))
                default:
                    break
                }
            }
            #expect(history == texts)
            await second.close()
            await staff.close()

            // The relay stored ciphertext only.
            let stored = relay.dataDirectoryBytes()
            #expect(!stored.isEmpty)
            for text in texts { #expect(!contains(stored, Array(text.utf8)), "plaintext '\(text)' found in the data directory") }
        }
    }

    @Test("the visitor's language travels sealed in conversation.opened: staff open pt-BR, the relay's data directory holds no tag in clear")
    func languageSealed() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let sam = deployment.member("sam")
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await client.open(try visitor.openedEvent(for: deployment, language: VisitorLanguage("pt-BR")))?["t"] as? String == "ack")
            await client.close()

            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(sam.signing, role: .staff)
            staff.send(["t": "subscribe", "from": 0])
            let opened = try Event(bytes: Base64URL.decode(try #require(await staff.next("event"))["event"] as! String))
            let content = try ConversationOpened(content: opened.content)
            let wrap = try #require(content.wraps.first { $0.recipient == sam.keyID })
            let key = try wrap.open(with: sam.box, from: content.visitorBoxKey)
            #expect(try content.language(conversationKey: key) == VisitorLanguage("pt-BR"))
            await staff.close()

            let stored = relay.dataDirectoryBytes()
            #expect(!stored.isEmpty)
            #expect(!contains(stored, Array("pt-BR".utf8)), "the language tag is in the relay's data directory in clear")
            #expect(!contains(opened.bytes, Array("pt-BR".utf8)), "the language tag is in the event in clear")
        }
    }

    @Test("a visitor's feedback is stored and forwarded to staff, who open it; the relay's data directory holds no answer in clear")
    func feedbackForwarded() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let sam = deployment.member("sam")
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            #expect(await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack")
            let given = try VisitorFeedback(helpful: .yes, safer: .notSure, helpedMost: .someoneToTalkTo)
            let event = try Event(kind: .feedbackGiven, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                  content: SealedText.seal(given.text, key: visitor.conversationKey), signer: visitor.identity.signing)
            #expect(await client.append(event)?["t"] as? String == "ack")
            await client.close()

            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(sam.signing, role: .staff)
            staff.send(["t": "subscribe", "from": 0])
            let opened = try Event(bytes: Base64URL.decode(try #require(await staff.next("event"))["event"] as! String))
            let content = try ConversationOpened(content: opened.content)
            let key = try #require(content.wraps.first { $0.recipient == sam.keyID }).open(with: sam.box, from: content.visitorBoxKey)
            let forwarded = try #require(await staff.next("event"))
            #expect(forwarded["kind"] as? String == "feedback.given")
            let received = try Event(bytes: Base64URL.decode(forwarded["event"] as! String))
            #expect(try VisitorFeedback(text: SealedText.open(received.content, key: key)) == given)
            await staff.close()

            let stored = relay.dataDirectoryBytes()
            for text in ["netreach-feedback", "not-sure", "someone-to-talk-to"] {
                #expect(!contains(stored, Array(text.utf8)), "'\(text)' is in the relay's data directory in clear")
            }
        }
    }
}
