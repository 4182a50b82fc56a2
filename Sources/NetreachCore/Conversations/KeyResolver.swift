import Sodium

/// The fold behind `ConversationKeys.resolve`: opens each wrap to the reader as it meets it, and
/// keeps the staff-sealed texts that decide between staff keys (docs/READ-MODELS.md, "Keys").
struct KeyResolver {
    private struct Candidate {
        let position: UInt64
        let key: SecureBytes
        let fromFirstEvent: Bool
    }

    let me: StaffSecrets
    let lookup: StaffLookup
    private var openedSeen = false
    private var conversationKey: SecureBytes?
    private var conversationProblems: [ConversationError] = []
    private var firstStaffKeyEvent: UInt64?
    private var staffCandidates: [Candidate] = []
    private var staffProblems: [ConversationError] = []
    private var staffSealed: [[UInt8]] = []
    /// Each purpose's `key.rotated` events in log order: the new key's id and where it was made.
    private var rotations: [KeyWrapped.Purpose: [(id: [UInt8], position: UInt64)]] = [:]
    /// Rotated keys opened for the reader (from a `key.rotated` or a `key.wrapped` naming a key id), checked against their id.
    private var rotatedKeys: [KeyWrapped.Purpose: [(id: [UInt8], key: SecureBytes, position: UInt64)]] = [:]

    init(me: StaffSecrets, lookup: StaffLookup) {
        self.me = me
        self.lookup = lookup
    }

    mutating func read(_ stored: StoredEvent) {
        switch stored.kind {
        case .conversationOpened: readOpened(stored)
        case .keyWrapped: readKeyWrapped(stored)
        case .noteAdded, .conversationClosed, .incidentShared: staffSealed.append(stored.event.content)
        case .conversationTransferred: staffSealed.append(Array(stored.event.content.dropFirst(KeyID.count)))
        case .messagePosted, .conversationClaimed, .incidentReported, .consentChanged, .alertPublished, .feedbackGiven,
             .erasureRequested, .contentErased, .policySet, .figuresSealed, .keyPeriod: break
        case .keyRotated: readKeyRotated(stored)
        }
    }

    private mutating func readOpened(_ stored: StoredEvent) {
        // The relay stores only one, as version 0; anything else is not the visitor's opening.
        guard !openedSeen, stored.isByVisitor else { return }
        openedSeen = true
        let opened: ConversationOpened
        do {
            opened = try ConversationOpened(content: stored.event.content)
        } catch {
            conversationProblems.append(ConversationError(.malformedContent, "the conversation.opened at position "
                                                          + "\(stored.position) is malformed: \(error.message)", position: stored.position))
            return
        }
        for wrap in opened.wraps where me.box(for: wrap.recipient) != nil {
            take(conversationKey: wrap, from: opened.visitorBoxKey, at: stored.position, what: "conversation.opened")
        }
    }

    private mutating func readKeyWrapped(_ stored: StoredEvent) {
        let wrapped: KeyWrapped
        do {
            wrapped = try KeyWrapped(content: stored.event.content)
        } catch {
            // Unreadable, it cannot be the staff key event either: the first that parses is.
            staffProblems.append(ConversationError(.malformedContent, "the key.wrapped at position \(stored.position) is "
                                                   + "malformed: \(error.message)", position: stored.position))
            return
        }
        let isStaffKey = wrapped.purpose == .staffKey
        if let keyID = wrapped.keyID {
            // A rotated key shared later (a grant or transfer after an offboarding): it never decides the first key.
            guard let author = wrapAuthor(of: stored, purpose: wrapped.purpose, mine: wrapped.wraps) else { return }
            for wrap in wrapped.wraps where me.box(for: wrap.recipient) != nil {
                takeRotated(wrap, id: keyID, purpose: wrapped.purpose, from: author.boxKey, at: stored.position, what: "key.wrapped")
            }
            return
        }
        if isStaffKey && firstStaffKeyEvent == nil { firstStaffKeyEvent = stored.position }
        let mine = wrapped.wraps.filter { me.box(for: $0.recipient) != nil }
        guard !mine.isEmpty else { return }
        guard let author = lookup.certificate(signKey: stored.event.author) else {
            let problem = ConversationError(.unknownAuthor, "the \(isStaffKey ? "staff" : "conversation") key wrapped to you "
                                            + "at position \(stored.position) is from a key that is not in the keyring",
                                            position: stored.position)
            if isStaffKey { staffProblems.append(problem) } else { conversationProblems.append(problem) }
            return
        }
        for wrap in mine {
            if !isStaffKey {
                take(conversationKey: wrap, from: author.boxKey, at: stored.position, what: "key.wrapped")
                continue
            }
            do {
                let key = try wrap.open(with: me.box(for: wrap.recipient)!, from: author.boxKey)
                staffCandidates.append(Candidate(position: stored.position, key: key,
                                                 fromFirstEvent: stored.position == firstStaffKeyEvent))
            } catch {
                staffProblems.append(ConversationError(.wrapDoesNotOpen, "the staff key wrapped to you at position "
                                                       + "\(stored.position) does not open", position: stored.position))
            }
        }
    }

    /// A `key.rotated`: a new key for what follows, made by a supervisor (the relay takes it from
    /// no one else; a reader checks too). Its id is recorded whether or not it is wrapped to the
    /// reader: a reader left out of a rotation must not go on writing with an older key.
    private mutating func readKeyRotated(_ stored: StoredEvent) {
        let rotated: KeyRotated
        do {
            rotated = try KeyRotated(content: stored.event.content)
        } catch {
            staffProblems.append(ConversationError(.malformedContent, "the key.rotated at position \(stored.position) is "
                                                   + "malformed: \(error.message)", position: stored.position))
            return
        }
        guard let author = lookup.certificate(signKey: stored.event.author), author.role == .supervisor else {
            append(ConversationError(.unknownAuthor, "the key.rotated at position \(stored.position) is not by a supervisor in the "
                                     + "keyring; it is ignored", position: stored.position), purpose: rotated.purpose)
            return
        }
        rotations[rotated.purpose, default: []].append((rotated.keyID, stored.position))
        for wrap in rotated.wraps where me.box(for: wrap.recipient) != nil {
            takeRotated(wrap, id: rotated.keyID, purpose: rotated.purpose, from: author.boxKey, at: stored.position, what: "key.rotated")
        }
    }

    /// The keyring certificate of a wrap's author, or nil (a problem recorded when a wrap is the reader's).
    private mutating func wrapAuthor(of stored: StoredEvent, purpose: KeyWrapped.Purpose, mine wraps: [Wrap]) -> EnrolmentCertificate? {
        if let author = lookup.certificate(signKey: stored.event.author) { return author }
        if wraps.contains(where: { me.box(for: $0.recipient) != nil }) {
            append(ConversationError(.unknownAuthor, "the \(purpose == .staffKey ? "staff" : "conversation") key wrapped to you at "
                                     + "position \(stored.position) is from a key that is not in the keyring", position: stored.position),
                   purpose: purpose)
        }
        return nil
    }

    private mutating func append(_ problem: ConversationError, purpose: KeyWrapped.Purpose) {
        if purpose == .staffKey { staffProblems.append(problem) } else { conversationProblems.append(problem) }
    }

    /// Opens a wrap of a rotated key and keeps it if it is the key its id names.
    private mutating func takeRotated(_ wrap: Wrap, id: [UInt8], purpose: KeyWrapped.Purpose, from sender: BoxPublicKey,
                                      at position: UInt64, what: String) {
        let key: SecureBytes
        do {
            key = try wrap.open(with: me.box(for: wrap.recipient)!, from: sender)
        } catch {
            append(ConversationError(.wrapDoesNotOpen, "the key wrapped to you in the \(what) at position \(position) does not open",
                                     position: position), purpose: purpose)
            return
        }
        guard KeyRotated.keyID(of: key) == id else {
            append(ConversationError(.conflictingKey, "the key wrapped to you in the \(what) at position \(position) is not the key "
                                     + "its id names; it is not used", position: position), purpose: purpose)
            return
        }
        if rotatedKeys[purpose]?.contains(where: { $0.id == id }) == true { return }
        rotatedKeys[purpose, default: []].append((id, key, position))
    }

    /// The keys of one purpose the reader holds, newest first (rotations in log order, then the
    /// first key), and the one to write with: the newest rotation's key, or — when nothing was
    /// rotated — the first key. Nil to write with when the newest rotation was not wrapped to the reader.
    private func generations(_ purpose: KeyWrapped.Purpose, first: SecureBytes?) -> (all: [SecureBytes], current: SecureBytes?,
                                                                                      problem: ConversationError?) {
        let made = rotations[purpose] ?? [], held = rotatedKeys[purpose] ?? []
        var all: [SecureBytes] = []
        for rotation in made.reversed() {
            if let key = held.first(where: { $0.id == rotation.id })?.key { all.append(key) }
        }
        if let first { all.append(first) }
        guard let newest = made.last else { return (all, first, nil) }
        if let key = held.first(where: { $0.id == newest.id })?.key { return (all, key, nil) }
        let which = purpose == .staffKey ? "staff" : "conversation"
        return (all, nil, ConversationError(.notWrappedToMe, "the \(which) key was replaced at position \(newest.position) (someone "
                                             + "left the organisation) and the new key was not wrapped to your key (\(me.keyID)); ask "
                                             + "a supervisor to grant it to you", position: newest.position))
    }

    private mutating func take(conversationKey wrap: Wrap, from sender: BoxPublicKey, at position: UInt64, what: String) {
        let key: SecureBytes
        do {
            key = try wrap.open(with: me.box(for: wrap.recipient)!, from: sender)
        } catch {
            conversationProblems.append(ConversationError(.wrapDoesNotOpen, "the conversation key wrapped to you in the \(what) "
                                                          + "at position \(position) does not open", position: position))
            return
        }
        guard let existing = conversationKey else {
            conversationKey = key
            return
        }
        if !existing.isEqual(to: key) {
            conversationProblems.append(ConversationError(.conflictingKey, "the \(what) at position \(position) wraps a different "
                                                          + "conversation key to you; the first one is used", position: position))
        }
    }

    func finish(conversation: ConversationID?) -> ConversationKeys {
        var staffProblems = staffProblems
        let firstStaffKey = chooseStaffKey(problems: &staffProblems)
        let conversationGenerations = generations(.conversationKey, first: conversationKey)
        let staffGenerations = generations(.staffKey, first: firstStaffKey)
        let conversationKey = conversationGenerations.current, staffKey = staffGenerations.current
        let conversationKeyProblem: ConversationError? = conversationKey != nil ? nil
            : conversationGenerations.problem != nil ? conversationGenerations.problem
            : conversation == nil ? ConversationError(.noKey, "there are no events for this conversation")
            : conversationProblems.first ?? (openedSeen
                ? ConversationError(.notWrappedToMe, "the conversation key was never wrapped to your key (\(me.keyID))")
                : ConversationError(.noKey, "the conversation's conversation.opened event is missing"))
        let staffKeyProblem: ConversationError? = staffKey != nil ? nil
            : staffGenerations.problem != nil ? staffGenerations.problem
            : firstStaffKeyEvent == nil && rotations[.staffKey] == nil ? staffProblems.first
                ?? ConversationError(.noKey, "no staff key has been made for this conversation yet")
            : staffProblems.first ?? ConversationError(.notWrappedToMe, "the staff key was never wrapped to your key (\(me.keyID))")
        let problems = (conversationProblems + staffProblems).enumerated()
            .sorted { ($0.element.position ?? 0, $0.offset) < ($1.element.position ?? 0, $1.offset) }.map(\.element)
        return ConversationKeys(conversation: conversation, conversationKey: conversationKey, staffKey: staffKey,
                                conversationKeyProblem: conversationKeyProblem, staffKeyProblem: staffKeyProblem,
                                problems: problems, conversationKeys: conversationGenerations.all,
                                staffKeys: staffGenerations.all)
    }

    private func chooseStaffKey(problems: inout [ConversationError]) -> SecureBytes? {
        if let first = staffCandidates.first(where: \.fromFirstEvent) {
            for other in staffCandidates where !other.key.isEqual(to: first.key) {
                problems.append(ConversationError(.conflictingKey, "the key.wrapped at position \(other.position) wraps a "
                                                  + "different staff key to you; the first staff key is used",
                                                  position: other.position))
            }
            return first.key
        }
        for candidate in staffCandidates {
            if staffSealed.isEmpty || staffSealed.contains(where: { (try? SealedText.open($0, key: candidate.key)) != nil }) {
                return candidate.key
            }
            problems.append(ConversationError(.conflictingKey, "the staff key wrapped to you at position \(candidate.position) "
                                              + "opens none of the conversation's notes, transfers or wrap-ups; it is not used",
                                              position: candidate.position))
        }
        return nil
    }
}
