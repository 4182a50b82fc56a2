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
        let staffKey = chooseStaffKey(problems: &staffProblems)
        let conversationKeyProblem: ConversationError? = conversationKey != nil ? nil
            : conversation == nil ? ConversationError(.noKey, "there are no events for this conversation")
            : conversationProblems.first ?? (openedSeen
                ? ConversationError(.notWrappedToMe, "the conversation key was never wrapped to your key (\(me.keyID))")
                : ConversationError(.noKey, "the conversation's conversation.opened event is missing"))
        let staffKeyProblem: ConversationError? = staffKey != nil ? nil
            : firstStaffKeyEvent == nil ? staffProblems.first
                ?? ConversationError(.noKey, "no staff key has been made for this conversation yet")
            : staffProblems.first ?? ConversationError(.notWrappedToMe, "the staff key was never wrapped to your key (\(me.keyID))")
        let problems = (conversationProblems + staffProblems).enumerated()
            .sorted { ($0.element.position ?? 0, $0.offset) < ($1.element.position ?? 0, $1.offset) }.map(\.element)
        return ConversationKeys(conversation: conversation, conversationKey: conversationKey, staffKey: staffKey,
                                conversationKeyProblem: conversationKeyProblem, staffKeyProblem: staffKeyProblem,
                                problems: problems)
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
