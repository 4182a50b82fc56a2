import NetreachCore
import Sodium
import Testing

@Suite("Audit trail: every staff action, by whom, when, where")
struct AuditTrailTests {
    @Test("staff actions are listed in log order with the keyring's changes; the visitor's own events are not")
    func trail() throws {
        let log = TestLog()
        var script = try Script(log: log, wrappedTo: [Cast.alice, Cast.bob])
        try script.visitorSays("hello")
        try script.claim(by: Cast.alice)
        try script.says(Cast.alice, "hi, I'm Alice")
        try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.bob])
        try script.note(by: Cast.alice, "handover: call back")
        try script.transfer(from: Cast.alice, to: Cast.bob, note: "over to you")
        try script.close(by: Cast.bob, sampleWrapUp)
        let entries = AuditTrail.build(events: log.events, keyring: Cast.keyring)
        let logged = entries.filter { $0.position != nil }
        #expect(logged.map(\.action) == [.claim, .reply, .keysShared, .note, .transfer, .close])
        #expect(logged.map(\.actor) == ["alice", "alice", "alice", "alice", "alice", "bob"])
        #expect(logged.allSatisfy { $0.conversation == script.conversation })
        #expect(logged.first { $0.action == .transfer }?.detail == "to bob")
        let positions = logged.compactMap(\.position)
        #expect(positions == positions.sorted())
        // The keyring: four enrolments and carol's revocation, all without a position.
        let keyring = entries.filter { $0.position == nil }
        #expect(keyring.filter { $0.action == .keyEnrolled }.map(\.actor).sorted() == ["alice", "bob", "carol", "dave"])
        #expect(keyring.filter { $0.action == .keyRevoked }.map(\.actor) == ["carol"])
    }

    @Test("filters by staff, conversation, time and action combine")
    func filters() throws {
        let log = TestLog()
        let first = try Script(log: log, wrappedTo: [Cast.alice, Cast.bob])
        let second = try Script(log: log, wrappedTo: [Cast.alice, Cast.bob])
        try first.claim(by: Cast.alice)
        let middle = try second.claim(by: Cast.bob)
        try second.says(Cast.bob, "hello")
        try first.says(Cast.alice, "hello")
        let all = AuditTrail.build(events: log.events, keyring: Cast.keyring)
        #expect(AuditTrail.filter(all, staff: "bob").filter { $0.position != nil }.map(\.action) == [.claim, .reply])
        #expect(AuditTrail.filter(all, conversation: first.conversation).map(\.actor) == ["alice", "alice"])
        #expect(AuditTrail.filter(all, action: .claim).map(\.actor) == ["alice", "bob"])
        let later = AuditTrail.filter(all, since: middle.timeMilliseconds, action: .reply)
        #expect(later.map(\.actor) == ["bob", "alice"])
        #expect(AuditTrail.filter(all, until: middle.timeMilliseconds - 1, action: .reply).isEmpty)
    }

    @Test("an author the keyring does not know is shown as an unknown key, not dropped")
    func unknownAuthor() throws {
        let log = TestLog()
        let script = try Script(log: log, wrappedTo: [Cast.alice])
        try script.claim(by: Cast.mallory)
        let entry = try #require(AuditTrail.build(events: log.events, keyring: Cast.keyring).first { $0.action == .claim })
        #expect(entry.actor.hasPrefix("unknown key "))
    }

    @Test("a sharing record says police export or alert when the reader can open it, and only 'shared' when not")
    func sharings() throws {
        let log = TestLog()
        var script = try Script(log: log, wrappedTo: [Cast.alice, Cast.dave])
        try script.shareStaffKey(from: Cast.alice, to: [Cast.alice, Cast.dave])
        let id = try IncidentID(Random.bytes(count: 16))
        let shared = try IncidentShared(incident: id, recipient: .police, level: .policeAnonymous,
                                        digest: Base64URL.encode(SHA512.hash([1])), note: "ref")
        try script.append(.incidentShared, SealedText.seal(shared.text, key: try #require(script.staffKey)), by: Cast.alice.signing)
        let key = try #require(script.staffKey)
        let opened = AuditTrail.build(events: log.events, keyring: Cast.keyring) { stored in
            (try? SealedText.open(stored.event.content, key: key)).flatMap { try? IncidentShared(text: $0) }
        }
        #expect(opened.first { $0.action == .incidentShared }?.detail == "police export of incident \(id.shortID) at consent 3")
        let closed = AuditTrail.build(events: log.events, keyring: Cast.keyring)
        #expect(closed.first { $0.action == .incidentShared }?.detail == "")
    }
}
