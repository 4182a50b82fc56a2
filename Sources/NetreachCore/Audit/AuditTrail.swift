/// Who did what, when, to which conversation (docs/READ-MODELS.md, "Audit trail"): one entry per
/// staff action in the log, plus the keyring's enrolments and revocations. It reads only what the
/// log says in the clear — kind, author, conversation, the relay's position and time — and so
/// needs no key; a sharing record is named "incident shared" whatever it went to.
public struct AuditEntry: Hashable, Sendable {
    public enum Action: String, CaseIterable, Sendable {
        case claim, reply, transfer, close, note
        case keysShared = "keys-shared"
        case keysRotated = "keys-rotated"
        case reportFiled = "report-filed"
        case consentRecorded = "consent-recorded"
        case incidentShared = "incident-shared"
        case alertPublished = "alert-published"
        case keyEnrolled = "key-enrolled"
        case keyRevoked = "key-revoked"
        case erasureOrdered = "erasure-ordered"
        case contentErased = "content-erased"
        case policySet = "policy-set"
        case figuresSealed = "figures-sealed"
    }

    /// The log position, or nil for a keyring entry (enrolments and revocations are files, not events).
    public let position: UInt64?
    /// Milliseconds since 1970: the relay's time for an event, the organisation's for a keyring entry.
    public let timeMilliseconds: UInt64
    public let action: Action
    /// The staff member who acted (for a keyring entry, the member enrolled or revoked).
    public let actor: String
    public let actorKeyID: KeyID?
    /// The conversation acted on; nil for the feeds (alerts, policy, sealed figures) and keyring entries.
    public let conversation: ConversationID?
    /// For a transfer, who received it.
    public let detail: String
}

public enum AuditTrail {
    /// Every staff action of `events` (any order; returned by position) and of the keyring.
    /// Visitors' own events (opening, their messages, their reports and consent) are not staff actions.
    /// `sharing`, when given, opens an `incident.shared` record (with the staff key the reader holds)
    /// so that the entry says whether it went to the police or to an alert; without it, or when the
    /// record does not open, the entry says only that the incident was shared.
    public static func build(events: [StoredEvent], keyring: Keyring,
                             sharing: ((StoredEvent) -> IncidentShared?)? = nil) -> [AuditEntry] {
        let lookup = StaffLookup(keyring)
        let sorted = events.sorted(by: { $0.position < $1.position })
        let held = Set(sorted.map(\.position))
        var entries: [AuditEntry] = []
        func actor(_ keyID: KeyID) -> String { lookup.name(of: keyID) ?? "unknown key " + String(keyID.description.prefix(8)) }
        for stored in sorted where !stored.isByVisitor {
            var detail = ""
            let action: AuditEntry.Action
            switch stored.kind {
            case .conversationOpened, .feedbackGiven: continue
            case .conversationTransferred:
                action = .transfer
                if let receiver = try? KeyID(bytes: Array(stored.event.content.prefix(KeyID.count))) {
                    detail = "to " + (lookup.name(of: receiver) ?? "key " + String(receiver.description.prefix(8)))
                }
            case .incidentShared:
                action = .incidentShared
                if let shared = sharing?(stored) {
                    detail = (shared.recipient == .police ? "police export" : "alert") + " of incident \(shared.incident.shortID) at consent \(shared.level.rawValue)"
                }
            case .erasureRequested:
                action = .erasureOrdered
                if let request = try? ErasureRequest(content: stored.event.content) {
                    detail = request.alert.map { "withdrew the alert at position \($0): " + request.reason.words } ?? request.reason.words
                } else {
                    detail = "(the order does not read)"
                }
            case .policySet:
                action = .policySet
                detail = (try? RetentionPolicy(content: stored.event.content))?.description ?? "(the policy does not read)"
            case .figuresSealed:
                action = .figuresSealed
                detail = (try? SealedFigures(content: stored.event.content)).map { "for \($0.quarter)" } ?? "(the record does not read)"
            case .contentErased:
                // Written by the relay: it names what it erased, and whose actions those were.
                guard let erased = try? ContentErased(content: stored.event.content) else {
                    entries.append(AuditEntry(position: stored.position, timeMilliseconds: stored.timeMilliseconds, action: .contentErased,
                                              actor: "relay", actorKeyID: stored.authorKeyID, conversation: stored.conversation.visitorConversation,
                                              detail: "(the erasure record does not read)"))
                    continue
                }
                entries.append(AuditEntry(position: stored.position, timeMilliseconds: stored.timeMilliseconds, action: .contentErased,
                                          actor: "relay", actorKeyID: stored.authorKeyID, conversation: stored.conversation.visitorConversation,
                                          detail: Self.summary(of: erased)))
                for entry in erased.entries where !held.contains(entry.position) && !entry.byVisitor {
                    guard let action = Self.action(for: entry.kind) else { continue }
                    entries.append(AuditEntry(position: entry.position, timeMilliseconds: entry.timeMilliseconds, action: action,
                                              actor: actor(entry.author), actorKeyID: entry.author,
                                              conversation: stored.conversation.visitorConversation, detail: "content erased"))
                }
                continue
            default:
                guard let plain = Self.action(for: stored.kind) else { continue }
                action = plain
            }
            let keyID = stored.authorKeyID
            entries.append(AuditEntry(position: stored.position, timeMilliseconds: stored.timeMilliseconds, action: action,
                                      actor: actor(keyID), actorKeyID: keyID, conversation: stored.conversation.visitorConversation,
                                      detail: detail))
        }
        entries.sort { ($0.position ?? 0) < ($1.position ?? 0) }
        var keyEntries: [AuditEntry] = []
        for certificate in keyring.certificates {
            keyEntries.append(AuditEntry(position: nil, timeMilliseconds: UInt64(max(0, certificate.issued.secondsSince1970)) * 1000,
                                         action: .keyEnrolled, actor: certificate.name.text, actorKeyID: certificate.keyID,
                                         conversation: nil, detail: "as \(certificate.role.rawValue), serial \(certificate.serial)"))
        }
        for revocation in keyring.revocations {
            keyEntries.append(AuditEntry(position: nil, timeMilliseconds: UInt64(max(0, revocation.revoked.secondsSince1970)) * 1000,
                                         action: .keyRevoked, actor: revocation.name.text, actorKeyID: KeyID(revocation.signKey),
                                         conversation: nil, detail: revocation.reason.text))
        }
        // Log entries keep their log order; keyring entries go in by time among them.
        var merged: [AuditEntry] = []
        var pending = keyEntries.sorted { $0.timeMilliseconds < $1.timeMilliseconds }[...]
        for entry in entries {
            while let next = pending.first, next.timeMilliseconds <= entry.timeMilliseconds { merged.append(next); pending.removeFirst() }
            merged.append(entry)
        }
        return merged + pending
    }

    /// The staff action an event of this kind is, or nil for kinds that are not one.
    static func action(for kind: EventKind) -> AuditEntry.Action? {
        switch kind {
        case .messagePosted: .reply
        case .conversationClaimed: .claim
        case .conversationTransferred: .transfer
        case .conversationClosed: .close
        case .noteAdded: .note
        case .keyWrapped: .keysShared
        case .keyRotated: .keysRotated
        case .incidentReported: .reportFiled
        case .consentChanged: .consentRecorded
        case .incidentShared: .incidentShared
        case .alertPublished: .alertPublished
        case .erasureRequested: .erasureOrdered
        case .policySet: .policySet
        case .figuresSealed: .figuresSealed
        case .contentErased: .contentErased
        // A period key is key housekeeping, published by every client each month: not an action on anyone's data.
        case .conversationOpened, .feedbackGiven, .keyPeriod: nil
        }
    }

    /// "3 events (message.posted ×2, note.added): the visitor deleted the chat".
    static func summary(of erased: ContentErased) -> String {
        var counts: [EventKind: Int] = [:]
        for entry in erased.entries { counts[entry.kind, default: 0] += 1 }
        let kinds = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { $0.value > 1 ? "\($0.key.name) ×\($0.value)" : $0.key.name }
        let count = erased.entries.count
        return "\(count) event\(count == 1 ? "" : "s") (\(kinds.joined(separator: ", "))): \(erased.words)"
    }

    /// The entries that pass every filter given (nil: no filter). Times are inclusive milliseconds.
    public static func filter(_ entries: [AuditEntry], staff: String? = nil, conversation: ConversationID? = nil,
                              since: UInt64? = nil, until: UInt64? = nil, action: AuditEntry.Action? = nil) -> [AuditEntry] {
        entries.filter { entry in
            (staff == nil || entry.actor == staff) && (conversation == nil || entry.conversation == conversation)
                && (since.map { entry.timeMilliseconds >= $0 } ?? true) && (until.map { entry.timeMilliseconds <= $0 } ?? true)
                && (action == nil || entry.action == action)
        }
    }
}
