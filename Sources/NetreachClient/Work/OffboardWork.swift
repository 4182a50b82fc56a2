public import NetreachCore
import Sodium

/// `netreach org offboard NAME`: once the relay has the revocation of someone who left, every
/// conversation whose current keys they held gets new ones (`key.rotated`, docs/KEYS.md,
/// "Offboarding"), wrapped to the staff who remain and, for the conversation key, to the visitor.
/// What is written afterwards is sealed with keys the leaver never had, so their copy of the
/// ciphertext and of their keys stops mattering from then on. Run by a supervisor.
public struct OffboardWork: Sendable {
    public let work: ConversationWork

    public init(work: ConversationWork) { self.work = work }

    /// What one run did.
    public struct Outcome: Sendable, Equatable {
        /// Conversations given new keys, and how many `key.rotated` events that took.
        public var rekeyed: [ConversationID] = []
        public var rotations = 0
        /// Conversations the leaver could read that needed nothing (re-keyed by an earlier run).
        public var alreadyRekeyed = 0
        /// Conversations the leaver could read whose content was erased: nothing more can be written to them.
        public var erased = 0
    }

    /// Why offboarding cannot go on.
    public enum Refusal: Error, CustomStringConvertible, Sendable {
        case unknownName(String)
        case stillActive(String)
        case notSupervisor(String)

        public var description: String {
            switch self {
            case .unknownName(let text), .stillActive(let text), .notSupervisor(let text): text
            }
        }
    }

    /// Re-keys every conversation whose current conversation or staff key `leaver` held. Refuses
    /// while the relay's keyring still counts them as active (the revocation not deployed or not
    /// reloaded): new keys must not go to them, and new chats would still be wrapped to them.
    public func run(leaving leaver: StaffName) async throws -> Outcome {
        let workspace = work.workspace, keyring = workspace.keyring
        guard keyring.member(signKey: workspace.credentials.signing.publicKey)?.role == .supervisor else {
            throw Refusal.notSupervisor("offboarding is for supervisors (it makes new keys for other people's conversations)")
        }
        let certificates = keyring.certificates.filter { $0.name == leaver }
        guard !certificates.isEmpty else {
            let names = Set(keyring.certificates.map(\.name.text)).sorted().joined(separator: ", ")
            throw Refusal.unknownName("no staff member named \(leaver) in the keyring (staff: \(names))")
        }
        if keyring.active.contains(where: { $0.name == leaver }) {
            throw Refusal.stillActive("the relay still counts \(leaver) as active staff: revoke the key first (netreach org revoke "
                                      + "\(leaver), on the machine that holds the organisation key), deploy Keys/revoked to every "
                                      + "relay and reload it (SIGHUP), then run this again; nothing was re-keyed")
        }
        try await work.catchUp()
        let events = try await workspace.replica.allEvents()
        let leaverIDs = Self.keyIDs(of: certificates.map(\.signKey), enrolled: certificates.map(\.keyID), in: events)
        let periods = try await work.periodDirectory(), now = StaffWorkspace.now()
        let staff = keyring.active.map { periods.recipient(for: $0, at: now) }
        var outcome = Outcome()
        let byConversation = Dictionary(grouping: events.filter { !$0.conversation.isFeed }, by: \.conversation)
        for (conversation, events) in byConversation.sorted(by: { $0.value[0].position < $1.value[0].position }) {
            let holders = ConversationWork.holders(in: events)
            guard holders.values.contains(where: { !$0.isDisjoint(with: leaverIDs) }) else { continue }
            if ConversationWork.wholeErasure(in: events) != nil {
                outcome.erased += 1
                continue
            }
            let current = ConversationWork.currentKeys(in: events)
            var rotated = 0
            for purpose in [KeyWrapped.Purpose.conversationKey, .staffKey] {
                guard let name = current[purpose], !(holders[name] ?? []).isDisjoint(with: leaverIDs) else { continue }
                let key = SecureBytes.random(count: 32)
                var wraps = staff.map { Wrap(key: key, to: $0.id, recipientKey: $0.box, from: work.me.box) }
                if purpose == .conversationKey {
                    guard let visitor = Self.visitor(of: events) else { continue }
                    wraps.append(Wrap(key: key, to: visitor.id, recipientKey: visitor.box, from: work.me.box))
                }
                let content = KeyRotated(purpose: purpose, keyID: KeyRotated.keyID(of: key), wraps: wraps).content
                do {
                    _ = try await workspace.session.append(try work.sign(.keyRotated, conversation, content: content))
                } catch let error as ProtocolError {
                    // Erased while this ran: nothing more goes into it, which is what re-keying is for.
                    guard error.code == .erased else { throw error }
                    outcome.erased += 1
                    break
                }
                rotated += 1
            }
            if rotated > 0 {
                outcome.rekeyed.append(conversation)
                outcome.rotations += rotated
            } else {
                outcome.alreadyRekeyed += 1
            }
        }
        return outcome
    }

    /// The key ids that name someone: their enrolled keys' and those of every period key they published.
    static func keyIDs(of signKeys: [SigningPublicKey], enrolled: [KeyID], in events: [StoredEvent]) -> Set<[UInt8]> {
        var ids = Set(enrolled.map(\.bytes))
        let authors = Set(signKeys)
        for stored in events where stored.kind == .keyPeriod && authors.contains(stored.event.author) {
            if let key = try? PeriodKey(content: stored.event.content) { ids.insert(key.keyID(staff: stored.event.author)) }
        }
        return ids
    }

    /// The visitor's key id and X25519 key, from the conversation's opening (nil when it was erased).
    static func visitor(of events: [StoredEvent]) -> (id: [UInt8], box: BoxPublicKey)? {
        guard let opening = events.first(where: { $0.kind == .conversationOpened && $0.isByVisitor }),
              let opened = try? ConversationOpened(content: opening.event.content) else { return nil }
        return (opening.authorKeyID.bytes, opened.visitorBoxKey)
    }
}
