import ChildProcess
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// A visitor client in Python, written from docs/PROTOCOL.md alone, against the real relay.
@Suite("Relay: an independent client (Python) written from the protocol document")
struct IndependentClientTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/visitor_client.py").path

    /// Runs the client without holding one of the shared test threads while it works: the relay it
    /// talks to runs in this process and needs them.
    static func python(_ arguments: [String]) async throws -> [String: Any] {
        let outcome = try await ChildProcess.run("/usr/bin/python3", [script] + arguments, timeout: .seconds(180))
        guard outcome.status == 0, let line = outcome.output.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw TestFailure("visitor_client.py failed (\(outcome.termination)): \(outcome.errors)") }
        return object
    }

    @Test("the Python visitor opens a chat that Swift staff read and answer, then resumes and reads the answer")
    func pythonVisitorFlow() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            let entropy = Random.bytes(count: 16)
            let opened = try await Self.python(["open", relay.httpBase, Base64URL.encode(deployment.organisation.signKey.bytes),
                                                Hex.encode(entropy), "hello from python", "second message"])
            #expect(opened["opened"] as? Bool == true)
            let conversation = try ConversationID(base64URL: try #require(opened["conversation"] as? String))
            #expect(conversation == VisitorIdentity(phrase: ResumePhrase(entropy: SecureBytes(copying: entropy))).conversation)

            // Swift staff read it and answer.
            let sam = deployment.member("sam")
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await staff.authenticate(sam.signing, role: .staff)
            staff.send(["t": "subscribe", "from": 0])
            var key: SecureBytes?
            var read: [String] = []
            while let message = await staff.next(timeout: .seconds(5)), message["t"] as? String != "live" {
                let event = try Event(bytes: Base64URL.decode(message["event"] as! String))
                if event.kind == .conversationOpened {
                    let content = try ConversationOpened(content: event.content)
                    key = try content.wraps.first { $0.recipient == sam.keyID }!.open(with: sam.box, from: content.visitorBoxKey)
                } else if event.kind == .messagePosted {
                    read.append(try SealedText.open(event.content, key: try #require(key)))
                }
            }
            #expect(read == ["hello from python", "second message"])
            let reply = try Event(kind: .messagePosted, conversation: conversation, clientTimeMilliseconds: 0,
                                  content: SealedText.seal("hello from Swift staff", key: try #require(key)), signer: sam.signing)
            #expect(await staff.append(reply)?["t"] as? String == "ack")
            await staff.close()

            // The Python visitor comes back with the entropy only and reads the whole conversation.
            let resumed = try await Self.python(["resume", relay.httpBase, Hex.encode(entropy)])
            #expect(resumed["history"] as? [String] == ["hello from python", "second message", "hello from Swift staff"])
        }
    }

    @Test("the Python client, breaking each transport rule, gets the error and close code the protocol document states")
    func pythonTransportRules() async throws {
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
            let result = try await Self.python(["transport", relay.httpBase])
            func outcome(_ name: String) -> String {
                let fields = result[name] as? [String: Any]
                return "\((fields?["errors"] as? [String]) ?? ["?"]) \(fields?["close"] as? Int ?? 0)"
            }
            #expect(outcome("invalidUTF8") == "[] 1007")
            #expect(outcome("oversize") == "[\"tooLarge\"] 1009")
            #expect(outcome("fragmented") == "[\"tooLarge\"] 1009")
            #expect(outcome("binary") == "[\"tooLarge\"] 1009")
        }
    }
}
