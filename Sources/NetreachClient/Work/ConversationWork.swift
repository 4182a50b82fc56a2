import Foundation
public import NetreachCore
import Sodium

/// What a staff member does to a conversation, as signed events appended through the relay:
/// claim, message, note, transfer and close (docs/PROTOCOL.md, kinds 2–7). Each action reads the
/// conversation from the caught-up replica, so it acts on what the relay has.
public struct ConversationWork: Sendable {
    public let workspace: StaffWorkspace
    /// Whether the person said (`--as-colleague`) that they mean to act on a colleague's conversation;
    /// otherwise such an action is refused (ColleagueRule).
    public let asColleague: Bool

    public init(workspace: StaffWorkspace, asColleague: Bool = false) {
        self.workspace = workspace
        self.asColleague = asColleague
    }

    var me: StaffSecrets { workspace.secrets }

    /// The period keys of the keys feed, to wrap keys to a colleague's key in force.
    public func periodDirectory() async throws -> PeriodKeyDirectory {
        PeriodKeyDirectory(events: try await workspace.replica.events(of: .keysFeed), keyring: workspace.keyring)
    }

    /// The conversation whose id starts with `text` — hex digits as lists show them, or the whole
    /// b64u id; it must match exactly one conversation the replica holds. Too short a prefix, or one
    /// that matches several, is `WorkError.badID` listing the conversations it could mean.
    public func conversation(matching text: String) async throws -> ConversationID {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let hex = trimmed.lowercased()
        let events = try await workspace.replica.allEvents()
        var ids = Set<ConversationID>()
        // Every conversation the replica holds an event of: an erased one keeps its erasure records.
        for stored in events where !stored.conversation.isFeed {
            let id = stored.event.conversation
            if (!hex.isEmpty && Hex.encode(id.bytes).hasPrefix(hex)) || id.base64URL == trimmed { ids.insert(id) }
        }
        guard trimmed.count >= 4 else {
            throw WorkError.badID("a conversation id needs at least 4 hex digits, got '\(text)'" + candidates(ids, events: events))
        }
        switch ids.count {
        case 1: return ids.first!
        case 0: throw WorkError.unknownConversation("no conversation starts with '\(trimmed)' (see netreach inbox)")
        default: throw WorkError.badID("'\(trimmed)' matches \(ids.count) conversations; give more of the id" + candidates(ids, events: events))
        }
    }

    /// The conversations an id could mean, each as much of its id as tells them apart and who has it.
    private func candidates(_ ids: Set<ConversationID>, events: [StoredEvent]) -> String {
        guard !ids.isEmpty else { return "" }
        var inbox = Inbox()
        inbox.apply(events)
        let hexes = ids.map { Hex.encode($0.bytes) }.sorted()
        let length = max(8, zip(hexes, hexes.dropFirst()).map { pair in 1 + zip(pair.0, pair.1).prefix { $0 == $1 }.count }.max() ?? 0)
        let lines = ids.sorted { Hex.encode($0.bytes) < Hex.encode($1.bytes) }.prefix(10).map { id -> String in
            let summary = inbox.summary(of: id)
            let state: String
            switch summary?.state {
            case .claimed?: state = "claimed by " + (summary?.claimedBy.map(name(of:)) ?? "someone")
            case .closed?: state = "closed"
            case .erased?: state = "erased"
            default: state = "waiting"
            }
            return "\n  \(Hex.encode(id.bytes).prefix(length))  \(state)"
        }
        return "; it could be:" + lines.joined() + (ids.count > 10 ? "\n  … and \(ids.count - 10) more" : "")
    }

    /// The conversation's events, after catching up with whatever arrived since the session opened.
    public func events(of conversation: ConversationID) async throws -> [StoredEvent] {
        try await catchUp()
        return try await workspace.replica.events(of: conversation)
    }

    /// Stores what the relay pushed on the open subscription since the last look.
    public func catchUp() async throws {
        // Offline there is nothing to catch up with: the replica is what there is.
        guard !workspace.session.isOffline else { return }
        let connection = try workspace.session.connection
        var batch: [StoredEvent] = []
        while let message = await connection.next("event", timeout: .milliseconds(1)) {
            if let event = try StaffSession.storedEvent(message) { batch.append(event) }
        }
        try await workspace.replica.append(batch, relayKeys: workspace.session.relayKeys)
    }

    // MARK: Actions

    /// Refuses to act on a conversation a colleague has, unless the person said `--as-colleague`:
    /// the message names who has it and how to go on.
    public func checkNotColleagues(_ conversation: ConversationID, events: [StoredEvent]? = nil) async throws {
        let seen: [StoredEvent]
        if let events { seen = events } else { seen = try await self.events(of: conversation) }
        try Self.refuseIfErased(seen)
        guard !asColleague else { return }
        guard let holder = ColleagueRule.holder(of: conversation, in: seen), holder != me.keyID else { return }
        let id = String(Hex.encode(conversation.bytes).prefix(8)), who = name(of: holder)
        throw WorkError.refused("\(who) has conversation \(id); nothing was done. To take it over, ask \(who) or a supervisor to run "
                                + "'netreach transfer \(id) --to \(workspace.credentials.name.text) --note TEXT'; to act on it on purpose, "
                                + "repeat with --as-colleague (the audit shows it)")
    }

    /// Refuses any action on a conversation whose content was erased whole: the relay would refuse it too (`erased`).
    static func refuseIfErased(_ events: [StoredEvent]) throws {
        if let erased = wholeErasure(in: events) {
            throw WorkError.refused("this conversation's content was erased (\(erased.words)); nothing more can be added to it")
        }
    }

    /// The relay's first record of an erasure of the whole conversation among `events`, if any.
    static func wholeErasure(in events: [StoredEvent]) -> ContentErased? {
        events.lazy.filter { $0.kind == .contentErased }.compactMap { try? ContentErased(content: $0.event.content) }
            .first { $0.rule.erasesWholeConversation }
    }

    /// Claims the conversation; the relay decides a race by version. Returns who holds it when someone else won.
    public func claim(_ conversation: ConversationID) async throws {
        let events = try await self.events(of: conversation)
        try Self.refuseIfErased(events)
        var inbox = Inbox()
        for event in events { inbox.apply(event) }
        guard let summary = inbox.summary(of: conversation) else { throw WorkError.unknownConversation("\(conversation) is not in the replica") }
        if summary.state == .closed { throw WorkError.refused("this conversation is closed") }
        if let owner = summary.claimedBy {
            if owner == me.keyID { return }
            throw WorkError.refused("\(name(of: owner)) has this conversation; ask them or a supervisor to transfer it")
        }
        let event = try sign(.conversationClaimed, conversation, content: [])
        do {
            _ = try await workspace.session.append(event, expect: summary.version)
        } catch let error as ProtocolError where error.code == .versionConflict {
            // Someone else acted first: look again and say who has it.
            var after = Inbox()
            for event in try await self.events(of: conversation) { after.apply(event) }
            if let owner = after.summary(of: conversation)?.claimedBy, owner != me.keyID {
                throw WorkError.refused("\(name(of: owner)) claimed this conversation a moment before you")
            }
            throw WorkError.refused("the conversation changed while you claimed it; look at it again and retry")
        }
    }

    /// Posts a message the visitor reads.
    @discardableResult
    public func send(_ conversation: ConversationID, text: String) async throws -> Event {
        let event = try await message(conversation, text: text)
        try await deliver(event)
        return event
    }

    /// Seals and signs a message without sending it: the same event can be delivered again after a
    /// network drop, and the relay stores it once (it is the same event id and the same bytes).
    public func message(_ conversation: ConversationID, text: String) async throws -> Event {
        let events = try await events(of: conversation)
        try await checkNotColleagues(conversation, events: events)
        let keys = keys(for: events)
        guard let key = keys.conversationKey else { throw WorkError.noKey(keys.conversationKeyProblem?.message ?? "the conversation key was never wrapped to your key") }
        return try sign(.messagePosted, conversation, content: try SealedText.seal(text, key: key))
    }

    /// Appends a prepared event; a retry of one already stored is acknowledged as a duplicate.
    public func deliver(_ event: Event) async throws {
        guard await !(try workspace.session.connection).isClosed else {
            throw StaffSession.Failure(reason: .unreachable, description: "not connected to the relay")
        }
        _ = try await workspace.session.append(event)
    }

    /// Adds a note only staff read; a handover note may go on any conversation, others only on one that is not a colleague's.
    public func note(_ conversation: ConversationID, text: String) async throws {
        if !ColleagueRule.isHandoverNote(text) { try await checkNotColleagues(conversation) }
        let key = try await staffKey(of: conversation)
        _ = try await workspace.session.append(try sign(.noteAdded, conversation, content: try SealedText.seal(text, key: key)))
    }

    /// Hands the conversation to `receiver`, sharing both keys with them first if they lack them.
    public func transfer(_ conversation: ConversationID, to receiver: StaffName, note: String) async throws {
        guard let member = workspace.keyring.active.first(where: { $0.name == receiver }) else {
            let names = workspace.keyring.active.map(\.name.text).sorted().joined(separator: ", ")
            throw WorkError.refused("no active staff member named \(receiver) (active: \(names))")
        }
        guard member.keyID != me.keyID else { throw WorkError.refused("you cannot transfer a conversation to yourself") }
        let staffKey = try await staffKey(of: conversation)
        let events = try await events(of: conversation)
        let keys = keys(for: events)
        guard keys.conversationKey != nil else {
            throw WorkError.noKey(keys.conversationKeyProblem?.message ?? "you cannot share a conversation key you do not hold")
        }
        try await share(keys, of: conversation, events: events, with: member)
        let sealed = try SealedText.seal(note, key: staffKey)
        _ = try await workspace.session.append(try sign(.conversationTransferred, conversation, content: member.keyID.bytes + sealed))
    }

    /// What `grant` did with one conversation.
    public enum Grant: Sendable, Equatable {
        /// Keys were wrapped to the colleague (how many key.wrapped events).
        case shared(Int)
        /// The colleague already held every key this staff member holds.
        case alreadyHeld
        /// This staff member holds no key of it to share.
        case notHeld
    }

    /// Gives an active colleague the conversation's keys they lack (the conversation key and, if one
    /// exists, the staff key), wrapped to their key as `key.wrapped` events the log and `audit` keep.
    /// For a supervisor enrolled after conversations began, who cannot otherwise read them.
    public func grant(_ conversation: ConversationID, to member: EnrolledStaff) async throws -> Grant {
        let events = try await events(of: conversation)
        if (try? Self.refuseIfErased(events)) == nil { return .notHeld }
        let keys = keys(for: events)
        guard !keys.conversationKeys.isEmpty || !keys.staffKeys.isEmpty else { return .notHeld }
        let appended = try await share(keys, of: conversation, events: events, with: member)
        return appended == 0 ? .alreadyHeld : .shared(appended)
    }

    /// Wraps to `member` every key of the conversation this staff member holds and they do not:
    /// each conversation key and staff key, the first and each re-keyed one (docs/KEYS.md,
    /// "Offboarding"), so that they read the whole history and write with the newest. A re-keyed
    /// key is shared naming its id, so that no reader takes an older key for the newest. Returns
    /// how many `key.wrapped` events it appended.
    @discardableResult
    func share(_ keys: ConversationKeys, of conversation: ConversationID, events: [StoredEvent], with member: EnrolledStaff) async throws -> Int {
        let holders = Self.holders(in: events)
        let rotated = Set(events.lazy.filter { $0.kind == .keyRotated }.compactMap { try? KeyRotated(content: $0.event.content).keyID })
        let periods = try await periodDirectory()
        let recipient = periods.recipient(for: member, at: StaffWorkspace.now())
        var appended = 0
        // Oldest first, so that a reader who meets them in log order meets the first key first.
        for (purpose, held) in [(KeyWrapped.Purpose.conversationKey, keys.conversationKeys), (.staffKey, keys.staffKeys)] {
            for key in held.reversed() {
                let id = KeyRotated.keyID(of: key)
                let name = KeyName(purpose: purpose, id: rotated.contains(id) ? id : nil)
                guard !(holders[name]?.contains { periods.names(member, $0) } ?? false) else { continue }
                let wrap = Wrap(key: key, to: recipient.id, recipientKey: recipient.box, from: me.box)
                let content = KeyWrapped(purpose: purpose, wraps: [wrap], keyID: name.id).content
                _ = try await workspace.session.append(try sign(.keyWrapped, conversation, content: content))
                appended += 1
            }
        }
        return appended
    }

    /// Closes the conversation with its wrap-up (sealed under the staff key: the visitor sees only that it closed).
    public func close(_ conversation: ConversationID, wrapUp: WrapUp) async throws {
        let events = try await events(of: conversation)
        var inbox = Inbox()
        inbox.apply(events)
        if inbox.summary(of: conversation)?.state == .closed { throw WorkError.refused("this conversation is already closed") }
        try await checkNotColleagues(conversation, events: events)
        let key = try await staffKey(of: conversation)
        _ = try await workspace.session.append(try sign(.conversationClosed, conversation, content: try SealedText.seal(wrapUp.text, key: key)))
    }

    // MARK: Keys

    public func keys(of conversation: ConversationID) async throws -> ConversationKeys {
        keys(for: try await events(of: conversation))
    }

    /// The keys of a conversation whose events the caller has already read.
    public func keys(for events: [StoredEvent]) -> ConversationKeys {
        ConversationKeys.resolve(events: events, me: me, keyring: workspace.keyring)
    }

    /// The conversation's staff key; the first staff member who needs one makes it and wraps it to
    /// every active staff key, appended at the version they saw, so that only one is ever made.
    func staffKey(of conversation: ConversationID) async throws -> SecureBytes {
        for _ in 0..<3 {
            let events = try await events(of: conversation)
            try Self.refuseIfErased(events)
            let keys = keys(for: events)
            if let key = keys.staffKey { return key }
            if Self.currentKeys(in: events)[.staffKey]?.id != nil {
                throw WorkError.noKey(keys.staffKeyProblem?.message ?? "this conversation's new staff key was not wrapped to you")
            }
            if events.contains(where: { $0.event.kind == .keyWrapped && (try? KeyWrapped(content: $0.event.content))?.purpose == .staffKey }) {
                throw WorkError.noKey("this conversation's staff key was never shared with you; ask a colleague who has it to transfer the conversation")
            }
            guard let last = events.last else { throw WorkError.unknownConversation("\(conversation) is not in the replica") }
            let key = SecureBytes.random(count: 32)
            let periods = try await periodDirectory(), now = StaffWorkspace.now()
            let wraps = workspace.keyring.active.map { member in
                let recipient = periods.recipient(for: member, at: now)
                return Wrap(key: key, to: recipient.id, recipientKey: recipient.box, from: me.box)
            }
            let event = try sign(.keyWrapped, conversation, content: KeyWrapped(purpose: .staffKey, wraps: wraps).content)
            do {
                _ = try await workspace.session.append(event, expect: last.version)
                return key
            } catch let error as ProtocolError where error.code == .versionConflict {
                continue  // someone else wrote meanwhile (perhaps their own staff key): look again
            }
        }
        throw WorkError.refused("the conversation keeps changing; try again")
    }

    /// One key of a conversation as the log names it: its purpose, and for a re-keyed one its id
    /// (nil: the conversation's first key of that purpose).
    public struct KeyName: Hashable, Sendable {
        public let purpose: KeyWrapped.Purpose
        public let id: [UInt8]?
    }

    /// Who holds each key: the recipients of every wrap in the conversation, by the key they carry.
    public static func holders(in events: [StoredEvent]) -> [KeyName: Set<[UInt8]>] {
        var holders: [KeyName: Set<[UInt8]>] = [:]
        for stored in events {
            switch stored.event.kind {
            case .conversationOpened:
                if let opened = try? ConversationOpened(content: stored.event.content) {
                    holders[KeyName(purpose: .conversationKey, id: nil), default: []].formUnion(opened.wraps.map(\.recipient))
                }
            case .keyWrapped:
                if let wrapped = try? KeyWrapped(content: stored.event.content) {
                    holders[KeyName(purpose: wrapped.purpose, id: wrapped.keyID), default: []].formUnion(wrapped.wraps.map(\.recipient))
                }
            case .keyRotated:
                if let rotated = try? KeyRotated(content: stored.event.content) {
                    holders[KeyName(purpose: rotated.purpose, id: rotated.keyID), default: []].formUnion(rotated.wraps.map(\.recipient))
                }
            default: break
            }
        }
        return holders
    }

    /// The key of each purpose that is written with now: the newest `key.rotated`'s, else the
    /// first (nil id) — for a purpose with no key at all, nothing.
    public static func currentKeys(in events: [StoredEvent]) -> [KeyWrapped.Purpose: KeyName] {
        var current: [KeyWrapped.Purpose: KeyName] = [:]
        for stored in events {
            switch stored.event.kind {
            case .conversationOpened: if current[.conversationKey] == nil { current[.conversationKey] = KeyName(purpose: .conversationKey, id: nil) }
            case .keyWrapped:
                if let wrapped = try? KeyWrapped(content: stored.event.content), wrapped.keyID == nil, current[wrapped.purpose] == nil {
                    current[wrapped.purpose] = KeyName(purpose: wrapped.purpose, id: nil)
                }
            case .keyRotated:
                if let rotated = try? KeyRotated(content: stored.event.content) {
                    current[rotated.purpose] = KeyName(purpose: rotated.purpose, id: rotated.keyID)
                }
            default: break
            }
        }
        return current
    }

    func sign(_ kind: EventKind, _ conversation: ConversationID, content: [UInt8], id: [UInt8] = Random.bytes(count: 16)) throws -> Event {
        try Event(kind: kind, id: id, conversation: conversation, clientTimeMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000),
                  content: content, signer: workspace.credentials.signing)
    }

    public func name(of keyID: KeyID) -> String {
        workspace.keyring.certificates.first { $0.keyID == keyID }?.name.text ?? "staff " + String(keyID.description.prefix(8))
    }
}

/// Why a work command could not do what was asked.
public enum WorkError: Error, CustomStringConvertible, Sendable {
    case unknownConversation(String)
    /// An id typed too short, or matching several: a usage error, with the candidates in the text.
    case badID(String)
    case refused(String)
    case noKey(String)

    public var description: String {
        switch self {
        case .unknownConversation(let text), .badID(let text), .refused(let text), .noKey(let text): text
        }
    }
}
