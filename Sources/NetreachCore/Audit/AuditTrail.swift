/// Who did what, when, to which conversation (docs/READ-MODELS.md, "Audit trail"): one entry per
/// staff action in the log, plus the keyring's enrolments and revocations. It reads only what the
/// log says in the clear — kind, author, conversation, the relay's position and time — and so
/// needs no key; a sharing record is named "incident shared" whatever it went to.
public struct AuditEntry: Hashable, Sendable {
    public enum Action: String, CaseIterable, Sendable {
        case claim, reply, transfer, close, note
        case keysShared = "keys-shared"
        case reportFiled = "report-filed"
        case consentRecorded = "consent-recorded"
        case incidentShared = "incident-shared"
        case alertPublished = "alert-published"
        case keyEnrolled = "key-enrolled"
        case keyRevoked = "key-revoked"
    }

    /// The log position, or nil for a keyring entry (enrolments and revocations are files, not events).
    public let position: UInt64?
    /// Milliseconds since 1970: the relay's time for an event, the organisation's for a keyring entry.
    public let timeMilliseconds: UInt64
    public let action: Action
    /// The staff member who acted (for a keyring entry, the member enrolled or revoked).
    public let actor: String
    public let actorKeyID: KeyID?
    /// The conversation acted on; nil for alerts and keyring entries.
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
        var entries: [AuditEntry] = []
        for stored in events.sorted(by: { $0.position < $1.position }) where !stored.isByVisitor {
            let action: AuditEntry.Action
            var detail = ""
            switch stored.kind {
            case .conversationOpened, .feedbackGiven: continue
            case .messagePosted: action = .reply
            case .conversationClaimed: action = .claim
            case .conversationTransferred:
                action = .transfer
                if let receiver = try? KeyID(bytes: Array(stored.event.content.prefix(KeyID.count))) {
                    detail = "to " + (lookup.name(of: receiver) ?? "key " + String(receiver.description.prefix(8)))
                }
            case .conversationClosed: action = .close
            case .noteAdded: action = .note
            case .keyWrapped: action = .keysShared
            case .incidentReported: action = .reportFiled
            case .consentChanged: action = .consentRecorded
            case .incidentShared:
                action = .incidentShared
                if let shared = sharing?(stored) {
                    detail = (shared.recipient == .police ? "police export" : "alert") + " of incident \(shared.incident.shortID) at consent \(shared.level.rawValue)"
                }
            case .alertPublished: action = .alertPublished
            }
            let keyID = stored.authorKeyID
            entries.append(AuditEntry(position: stored.position, timeMilliseconds: stored.timeMilliseconds, action: action,
                                      actor: lookup.name(of: keyID) ?? "unknown key " + String(keyID.description.prefix(8)),
                                      actorKeyID: keyID, conversation: stored.kind == .alertPublished ? nil : stored.conversation,
                                      detail: detail))
        }
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
