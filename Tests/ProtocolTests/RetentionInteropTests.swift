import Foundation
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// The erasure record, the retention policy, the erasure request and sealed figures (docs/PROTOCOL.md,
/// kinds 13–16) against the independent PyNaCl implementation, both ways.
@Suite("Protocol: retention formats against PyNaCl")
struct RetentionInteropTests {
    static var script: String { fixtures.appendingPathComponent("protocol_interop.py").path }

    @Test("what Python makes verifies and reads in Swift: the relay's erasure record, a policy, an order and sealed figures")
    func pythonToSwift() async throws {
        let (status, output) = try await python([Self.script, "retention"])
        #expect(status == 0, "\(output)")
        let made = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
        let relay = try SigningPublicKey(Base64URL.decode(try #require(made["relay"])))
        let erased = try Event(bytes: Base64URL.decode(try #require(made["erasedEvent"])))
        #expect(erased.kind == .contentErased && erased.author == relay)
        let record = try ContentErased(content: erased.content)
        #expect(record.rule == .supervisorOrder && record.days == 0 && record.reference == Array(0..<16))
        #expect(record.entries.map(\.position) == [7, 9] && record.entries.map(\.kind) == [.conversationOpened, .messagePosted])
        #expect(record.entries.map(\.byVisitor) == [true, false])
        #expect(erased.id == ContentErased.eventID(conversation: erased.conversation, content: erased.content))
        #expect(record.content == erased.content, "Swift writes the record Python wrote, byte for byte")

        let policy = try RetentionPolicy(text: try #require(made["policy"]))
        #expect(policy == (try RetentionPolicy(messagesDays: 90, incidentsDays: 365, alertsDays: 60)))
        #expect(policy.text == made["policy"])
        let keyPeriod = try RetentionPolicy(text: try #require(made["keyPeriodPolicy"]))
        #expect(keyPeriod.keyPeriodDays == 14 && keyPeriod.text == made["keyPeriodPolicy"])
        let request = try ErasureRequest(content: Array(try #require(made["request"]).utf8))
        #expect(request.reason == .dataSubjectRequest && request.text == made["request"])

        let secrets = try Hex.decode(try #require(made["supervisorSecrets"]))
        let me = StaffSecrets(signing: try SigningKeyPair(seed: Array(secrets[0..<32])), box: try BoxKeyPair(secretKey: Array(secrets[32..<64])))
        let sealed = try SealedFigures(content: Base64URL.decode(try #require(made["figuresContent"])))
        let figures = try sealed.open(as: me, sender: me.box.publicKey)
        #expect(figures.quarter.description == "2026Q3" && figures.contacts == 15 && figures.newContacts == 9)
        let median: UInt64? = QuarterlyFigures.percentile(figures.firstReplySeconds, 0.5)
        let high: UInt64? = QuarterlyFigures.percentile(figures.firstReplySeconds, 0.9)
        #expect(figures.firstReplySeconds.count == 17)
        #expect(median == 120 && high == 900)
        #expect(figures.sealedText == made["figuresText"], "Swift writes the figures Python sealed, byte for byte")
    }

    @Test("what Swift makes passes Python's checks: the relay's erasure record and figures sealed for a supervisor")
    func swiftToPython() async throws {
        let relay = SigningKeyPair.generate()
        let conversation = try ConversationID(Random.bytes(count: 16))
        var entries: [ContentErased.Entry] = []
        for index in 0..<40 {
            let kind: EventKind = index == 0 ? .conversationOpened : .messagePosted
            let time: UInt64 = 1_764_000_000_000 + UInt64(index) * 60_000
            entries.append(ContentErased.Entry(position: UInt64(100 + index), kind: kind, timeMilliseconds: time,
                                               author: KeyID(relay.publicKey), byVisitor: index % 2 == 0))
        }
        let record = try ContentErased(rule: .retentionConversation, reference: Random.bytes(count: 16), days: 180, entries: entries)
        let event = try Event(kind: .contentErased, id: ContentErased.eventID(conversation: conversation, content: record.content),
                              conversation: conversation, clientTimeMilliseconds: 1, content: record.content, signer: relay)
        let supervisor = StaffSecrets(signing: .generate(), box: .generate())
        let sealer = BoxKeyPair.generate()
        let figures = try QuarterlyFigures(sealedText: """
            {"format":"netreach-figures-v1","quarter":"2026Q2","contactsByMonth":"1 2 3","openedByMonth":"1 2 3","openedOffDuty":"",\
            "firstReplySeconds":"","waitingSeconds":"3 60 60","topics":"","referrals":"","ages":"","genders":"","workSettings":"",\
            "contactsByLanguage":"","incidentsByHarm":"","incidentsByConsent":"","helpful":"","safer":"","helpedMost":"",\
            "newContacts":6,"repeatContacts":0,"uniqueVisitors":6,"contactsLanguageNotKnown":6,"incidents":0,"consentChanges":0,\
            "policeShares":0,"alertsPublished":0,"feedbackGiven":0,"unreadable":0}
            """)
        let sealed = try SealedFigures(figures: figures, supervisors: [(supervisor.keyID, supervisor.box.publicKey),
                                                                       (KeyID(SigningKeyPair.generate().publicKey), BoxKeyPair.generate().publicKey)],
                                       from: sealer)
        let secrets = supervisor.signing.seed.copyBytes() + supervisor.box.secretKey.copyBytes()
        let item: [String: Any] = [
            "relay": Base64URL.encode(relay.publicKey.bytes), "erasedEvent": Base64URL.encode(event.bytes), "rule": "retention-conversation",
            "days": 180, "entries": 40, "supervisorSecrets": Hex.encode(secrets), "figuresContent": Base64URL.encode(sealed.content),
            "sender": Base64URL.encode(sealer.publicKey.bytes), "quarter": "2026Q2", "newContacts": 6,
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netreach-retention-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: item).write(to: file)
        let (status, output) = try await python([Self.script, "check-retention", file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("retention interop check: 0 failed"), "\(output)")
    }

    @Test("key.period both ways: Python's event verifies and reads in Swift, its key id and its wrap agree; Swift's passes Python's checks")
    func periodKey() async throws {
        let (status, output) = try await python([Self.script, "period-key"])
        #expect(status == 0, "\(output)")
        let made = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let event = try Event(bytes: Base64URL.decode(try #require(made["event"] as? String)))
        #expect(event.kind == .keyPeriod && event.conversation == .keysFeed)
        let key = try PeriodKey(content: event.content)
        #expect(key.start == made["start"] as? UInt64 && key.end == made["end"] as? UInt64)
        #expect(key.content == event.content, "Swift writes the content Python wrote, byte for byte")
        #expect(Hex.encode(key.keyID(staff: event.author)) == made["keyId"] as? String)
        let secret = try BoxKeyPair(secretKey: Hex.decode(try #require(made["periodSecret"] as? String)))
        #expect(secret.publicKey == key.boxKey)
        let wrapBytes = try Base64URL.decode(try #require(made["wrap"] as? String))
        let opened = try ConversationOpened(content: BoxKeyPair.generate().publicKey.bytes + [1, 0] + wrapBytes)
        let wrap = try #require(opened.wraps.first)
        #expect(wrap.recipient == key.keyID(staff: event.author))
        let visitorBox = try BoxPublicKey(Base64URL.decode(try #require(made["visitorBox"] as? String)))
        #expect(Hex.encode(try wrap.open(with: secret, from: visitorBox).copyBytes()) == made["wrappedKey"] as? String)

        // Swift to Python.
        let staff = SigningKeyPair.generate(), period = BoxKeyPair.generate(), visitor = BoxKeyPair.generate()
        let mine = try PeriodKey(start: 1_798_761_600_000, end: 1_801_440_000_000, boxKey: period.publicKey)
        let published = try Event(kind: .keyPeriod, conversation: .keysFeed, clientTimeMilliseconds: 1, content: mine.content, signer: staff)
        let conversationKey = SecureBytes.random(count: 32)
        let mineWrap = Wrap(key: conversationKey, to: mine.keyID(staff: staff.publicKey), recipientKey: period.publicKey, from: visitor)
        let wrapContent = ConversationOpened(visitorBoxKey: visitor.publicKey, wraps: [mineWrap]).content
        // Its secret kept as the staff client keeps it.
        let home = try NetreachHome(path: FileManager.default.temporaryDirectory.appendingPathComponent("netreach-home-\(UUID().uuidString)").path)
        try home.createFolder()
        defer { try? FileManager.default.removeItem(atPath: home.path) }
        let enrolled = BoxKeyPair.generate()
        let secrets = staff.seed.copyBytes() + enrolled.secretKey.copyBytes()
        let credentials = try StaffCredentials(name: StaffName("sam"), secrets: SecureBytes(copying: secrets))
        try PeriodKeyFile.save([try HeldPeriodKey(start: 1_796_083_200_000, end: 1_798_761_600_000, secret: .generate()),
                                try HeldPeriodKey(start: mine.start, end: mine.end, secret: period)], home: home, credentials: credentials)
        let file = try #require(FileManager.default.contents(atPath: PeriodKeyFile.path(home: home, name: credentials.name)))
        #expect(try PeriodKeyFile.load(home: home, credentials: credentials).map(\.key) == [
            try PeriodKey(start: 1_796_083_200_000, end: 1_798_761_600_000, boxKey: try PeriodKeyFile.load(home: home, credentials: credentials)[0].key.boxKey),
            mine])
        let item: [String: Any] = [
            "periodFile": Base64URL.encode(Array(file)), "enrolledSecret": Hex.encode(enrolled.secretKey.copyBytes()),
            "event": Base64URL.encode(published.bytes), "start": mine.start, "end": mine.end,
            "periodSecret": Hex.encode(period.secretKey.copyBytes()), "keyId": Hex.encode(mine.keyID(staff: staff.publicKey)),
            "wrap": Base64URL.encode(Array(wrapContent.suffix(Wrap.count))), "sender": Base64URL.encode(visitor.publicKey.bytes),
            "wrappedKey": Hex.encode(conversationKey.copyBytes()),
        ]
        let itemFile = FileManager.default.temporaryDirectory.appendingPathComponent("netreach-period-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: itemFile) }
        try JSONSerialization.data(withJSONObject: item).write(to: itemFile)
        let (checked, said) = try await python([Self.script, "check-period-key", itemFile.path])
        #expect(checked == 0, "\(said)")
        #expect(said.contains("period key interop check: 0 failed"), "\(said)")
    }

    @Test("key.rotated both ways: Python's re-key verifies and reads in Swift (key id, the visitor's wrap, a later share naming the id); Swift's passes Python's checks")
    func rotation() async throws {
        let (status, output) = try await python([Self.script, "rotation"])
        #expect(status == 0, "\(output)")
        let made = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let event = try Event(bytes: Base64URL.decode(try #require(made["rotated"] as? String)))
        #expect(event.kind == .keyRotated)
        let rotated = try KeyRotated(content: event.content)
        #expect(rotated.purpose == .conversationKey && rotated.content == event.content, "Swift writes the content Python wrote, byte for byte")
        let key = SecureBytes(copying: try Hex.decode(try #require(made["key"] as? String)))
        #expect(Hex.encode(KeyRotated.keyID(of: key)) == made["keyId"] as? String && rotated.keyID == KeyRotated.keyID(of: key))
        let visitor = try BoxKeyPair(secretKey: Hex.decode(try #require(made["visitorSecret"] as? String)))
        let sender = try BoxPublicKey(Base64URL.decode(try #require(made["sender"] as? String)))
        let wrap = try #require(rotated.wraps.first { Hex.encode($0.recipient) == made["visitorId"] as? String })
        #expect(try wrap.open(with: visitor, from: sender).isEqual(to: key))
        let shared = try KeyWrapped(content: try Event(bytes: Base64URL.decode(try #require(made["shared"] as? String))).content)
        #expect(shared.keyID == rotated.keyID && shared.wraps == rotated.wraps)

        // Swift to Python.
        let supervisor = SigningKeyPair.generate(), supervisorBox = BoxKeyPair.generate(), visitorSign = SigningKeyPair.generate()
        let visitorBox = BoxKeyPair.generate(), newKey = SecureBytes.random(count: 32)
        let conversation = ConversationID(visitor: visitorSign.publicKey)
        let wraps = [Wrap(key: newKey, to: KeyID(visitorSign.publicKey).bytes, recipientKey: visitorBox.publicKey, from: supervisorBox),
                     Wrap(key: newKey, to: KeyID(supervisor.publicKey).bytes, recipientKey: supervisorBox.publicKey, from: supervisorBox)]
        let mine = try Event(kind: .keyRotated, conversation: conversation, clientTimeMilliseconds: 1,
                             content: KeyRotated(purpose: .conversationKey, keyID: KeyRotated.keyID(of: newKey), wraps: wraps).content,
                             signer: supervisor)
        let share = try Event(kind: .keyWrapped, conversation: conversation, clientTimeMilliseconds: 2,
                              content: KeyWrapped(purpose: .conversationKey, wraps: [wraps[1]], keyID: KeyRotated.keyID(of: newKey)).content,
                              signer: supervisor)
        let item: [String: Any] = [
            "rotated": Base64URL.encode(mine.bytes), "shared": Base64URL.encode(share.bytes), "key": Hex.encode(newKey.copyBytes()),
            "visitorSecret": Hex.encode(visitorBox.secretKey.copyBytes()), "visitorId": Hex.encode(KeyID(visitorSign.publicKey).bytes),
            "sender": Base64URL.encode(supervisorBox.publicKey.bytes),
        ]
        let itemFile = FileManager.default.temporaryDirectory.appendingPathComponent("netreach-rotation-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: itemFile) }
        try JSONSerialization.data(withJSONObject: item).write(to: itemFile)
        let (checked, said) = try await python([Self.script, "check-rotation", itemFile.path])
        #expect(checked == 0, "\(said)")
        #expect(said.contains("rotation interop check: 0 failed"), "\(said)")
    }
}
