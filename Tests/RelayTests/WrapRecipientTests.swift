import EventLog
import Foundation
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// Keys go only to staff who may read them (docs/PROTOCOL.md, "Who may append what"; issue 20,
/// item 5): the relay refuses a wrap to a revoked staff key and an opening that no active staff
/// key can read. Clients alone enforced this before.
@Suite("Relay: keys go only to active staff")
struct WrapRecipientTests {
    @Test("an opening or a key.wrapped with a wrap to a revoked key is refused, naming whose; so is an opening for nobody")
    func revokedRecipients() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring(revoking: ["alex"])) { relay in
            let sam = deployment.member("sam"), alex = deployment.member("alex")
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await client.close() } }
            _ = await client.authenticate(visitor.identity.signing, role: .visitor)
            func opening(to staff: [Deployment.Staff]) throws -> Event {
                let wraps = staff.map {
                    Wrap(key: visitor.conversationKey, to: $0.keyID, recipientKey: $0.box.publicKey, from: visitor.identity.box)
                } + [Wrap(key: visitor.conversationKey, to: KeyID(visitor.identity.signing.publicKey).bytes,
                          recipientKey: visitor.identity.box.publicKey, from: visitor.identity.box)]
                return try Event(kind: .conversationOpened, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: ConversationOpened(visitorBoxKey: visitor.identity.box.publicKey, wraps: wraps).content,
                                 signer: visitor.identity.signing)
            }
            // A page that loaded the keyring before alex left wraps to alex too: refused, and it says whose key.
            let stale = await client.open(try opening(to: [sam, alex]))
            #expect(stale?["code"] as? String == "forbidden")
            #expect((stale?["message"] as? String ?? "").contains("alex"), "\(stale?.text ?? "")")
            let nobody = await client.open(try opening(to: []))
            #expect(nobody?["code"] as? String == "forbidden")
            #expect((nobody?["message"] as? String ?? "").contains("no active staff key"), "\(nobody?.text ?? "")")
            let stream = try StreamName(visitor.identity.conversation.streamName)
            #expect(try await relay.core.store.streamVersion(stream) == nil, "a refused opening was stored")
            #expect(await client.open(try opening(to: [sam]))?["t"] as? String == "ack")

            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            defer { Task { await staff.close() } }
            _ = await staff.authenticate(sam.signing, role: .staff)
            func share(_ to: Deployment.Staff) throws -> Event {
                let wrap = Wrap(key: visitor.conversationKey, to: to.keyID, recipientKey: to.box.publicKey, from: sam.box)
                return try Event(kind: .keyWrapped, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                                 content: KeyWrapped(purpose: .conversationKey, wraps: [wrap]).content, signer: sam.signing)
            }
            let toAlex = await staff.append(try share(alex), rid: "alex")
            #expect(toAlex?["code"] as? String == "forbidden" && (toAlex?["message"] as? String ?? "").contains("alex"))
            #expect(await staff.append(try share(sam), rid: "sam")?["t"] as? String == "ack")
            #expect(try await relay.core.store.streamVersion(stream) == 1, "only the opening and sam's own wrap are stored")
        }
    }
}
