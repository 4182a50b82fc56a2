import Sodium

/// Builds the readable history of one conversation, decrypting on demand (docs/READ-MODELS.md).
public enum Transcript {
    /// One entry per event of the conversation `keys` belong to (or of the first event's, when
    /// `keys` name none), in the order given. Never throws: an event that cannot be read becomes
    /// `.undecryptable` with the reason, and the rest of the transcript is unaffected.
    public static func build(events: [StoredEvent], keys: ConversationKeys, keyring: Keyring) -> [TranscriptEntry] {
        let lookup = StaffLookup(keyring)
        let conversation = keys.conversation ?? events.first?.conversation
        return events.filter { $0.conversation == conversation }.map { entry(for: $0, keys: keys, lookup: lookup) }
    }

    static func entry(for stored: StoredEvent, keys: ConversationKeys, lookup: StaffLookup) -> TranscriptEntry {
        let speaker: TranscriptEntry.Speaker
        if stored.isByVisitor {
            speaker = .visitor
        } else if stored.kind == .contentErased {
            speaker = .relay
        } else {
            let keyID = stored.authorKeyID
            speaker = .staff(keyID, name: lookup.name(of: keyID))
        }
        let (content, problem) = read(stored, keys: keys, lookup: lookup)
        return TranscriptEntry(position: stored.position, version: stored.version, timeMilliseconds: stored.timeMilliseconds,
                               kind: stored.kind, speaker: speaker, content: content, problem: problem)
    }

    private static func read(_ stored: StoredEvent, keys: ConversationKeys,
                             lookup: StaffLookup) -> (TranscriptEntry.Content, String?) {
        let content = stored.event.content
        switch stored.kind {
        case .conversationOpened:
            switch ConversationLanguage.read(stored, keys: keys) {
            case .known(let language): return (.opened(language: language), nil)
            case .notSent: return (.opened(language: nil), nil)
            case .unreadable(let reason): return (.opened(language: nil), reason)
            }
        case .conversationClaimed:
            return (.claimed, nil)
        case .keyWrapped:
            do {
                _ = try KeyWrapped(content: content)
                return (.keysShared, nil)
            } catch {
                return (.undecryptable(reason: "the key.wrapped is malformed: \(error.message)"), nil)
            }
        case .keyRotated:
            do {
                _ = try KeyRotated(content: content)
                return (.keysShared, nil)
            } catch {
                return (.undecryptable(reason: "the key.rotated is malformed: \(error.message)"), nil)
            }
        case .messagePosted:
            switch open(content, keys: keys.conversationKeys, keyProblem: keys.conversationKeyProblem, what: "message",
                        keyName: "conversation key") {
            case .success(let text): return (.message(text), nil)
            case .failure(let reason): return (.undecryptable(reason: reason), nil)
            }
        case .noteAdded:
            switch open(content, keys: keys.staffKeys, keyProblem: keys.staffKeyProblem, what: "note", keyName: "staff key") {
            case .success(let text): return (.note(text), nil)
            case .failure(let reason): return (.undecryptable(reason: reason), nil)
            }
        case .conversationTransferred:
            guard content.count >= KeyID.count, let receiver = try? KeyID(bytes: Array(content.prefix(KeyID.count))) else {
                return (.undecryptable(reason: "the transfer is malformed: it does not start with the receiver's key id"), nil)
            }
            let name = lookup.name(of: receiver)
            switch open(Array(content.dropFirst(KeyID.count)), keys: keys.staffKeys, keyProblem: keys.staffKeyProblem,
                        what: "transfer note", keyName: "staff key") {
            case .success(let note): return (.transferred(to: receiver, toName: name, note: note), nil)
            case .failure(let reason): return (.transferred(to: receiver, toName: name, note: nil), reason)
            }
        case .conversationClosed:
            switch open(content, keys: keys.staffKeys, keyProblem: keys.staffKeyProblem, what: "wrap-up", keyName: "staff key") {
            case .success(let text):
                do {
                    return (.closed(try WrapUp(text: text)), nil)
                } catch {
                    return (.closed(nil), "the wrap-up does not read: \(error.message)")
                }
            case .failure(let reason):
                return (.closed(nil), reason)
            }
        case .incidentReported, .consentChanged:
            switch open(content, keys: keys.conversationKeys, keyProblem: keys.conversationKeyProblem,
                        what: stored.kind == .incidentReported ? "report" : "consent change", keyName: "conversation key") {
            case .success(let text):
                do {
                    if stored.kind == .incidentReported {
                        return (.incident(IncidentID(reportedBy: stored.event), try IncidentReport(text: text)), nil)
                    }
                    return (.consent(try ConsentChange(text: text)), nil)
                } catch {
                    return (.undecryptable(reason: "the \(stored.kind.name) does not read: \(error.message)"), nil)
                }
            case .failure(let reason): return (.undecryptable(reason: reason), nil)
            }
        case .incidentShared:
            switch open(content, keys: keys.staffKeys, keyProblem: keys.staffKeyProblem, what: "sharing record", keyName: "staff key") {
            case .success(let text):
                do {
                    return (.shared(try IncidentShared(text: text)), nil)
                } catch {
                    return (.undecryptable(reason: "the incident.shared does not read: \(error.message)"), nil)
                }
            case .failure(let reason): return (.undecryptable(reason: reason), nil)
            }
        case .feedbackGiven:
            switch open(content, keys: keys.conversationKeys, keyProblem: keys.conversationKeyProblem, what: "feedback",
                        keyName: "conversation key") {
            case .success(let text):
                do {
                    return (.feedback(try VisitorFeedback(text: text)), nil)
                } catch {
                    return (.undecryptable(reason: "the feedback.given does not read: \(error.message)"), nil)
                }
            case .failure(let reason): return (.undecryptable(reason: reason), nil)
            }
        case .alertPublished:
            do {
                return (.alert(try SafetyAlert(content: content)), nil)
            } catch {
                return (.undecryptable(reason: "the alert does not read: \(error.message)"), nil)
            }
        case .erasureRequested:
            do { return (.erasureRequested(try ErasureRequest(content: content).reason), nil) } catch {
                return (.undecryptable(reason: "the erasure request does not read: \(error.message)"), nil)
            }
        case .contentErased:
            do { return (.erased(try ContentErased(content: content)), nil) } catch {
                return (.undecryptable(reason: "the erasure record does not read: \(error.message)"), nil)
            }
        case .policySet:
            do { return (.policy(try RetentionPolicy(content: content)), nil) } catch {
                return (.undecryptable(reason: "the retention policy does not read: \(error.message)"), nil)
            }
        case .figuresSealed:
            do { return (.figuresSealed(try SealedFigures(content: content).quarter), nil) } catch {
                return (.undecryptable(reason: "the sealed figures do not read: \(error.message)"), nil)
            }
        case .keyPeriod:
            do { return (.periodKey(try PeriodKey(content: content)), nil) } catch {
                return (.undecryptable(reason: "the period key does not read: \(error.message)"), nil)
            }
        }
    }

    private enum Opened {
        case success(String)
        case failure(String)
    }

    /// Opens with whichever of the keys (newest first) seals it: a re-keyed conversation has several.
    private static func open(_ sealed: [UInt8], keys: [SecureBytes], keyProblem: ConversationError?, what: String,
                             keyName: String) -> Opened {
        guard !keys.isEmpty else {
            return .failure("the \(what) cannot be opened: " + (keyProblem?.message ?? "the \(keyName) is not known"))
        }
        for key in keys {
            do {
                return .success(try SealedText.open(sealed, key: key))
            } catch where error.code == .badSignature {
                continue
            } catch {
                return .failure("the \(what) is malformed: \(error.message)")
            }
        }
        return .failure("the \(what) does not open with the \(keyName)\(keys.count > 1 ? "s you hold" : ""): it was altered, or "
                        + "sealed with another key")
    }
}
