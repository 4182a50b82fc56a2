/// The visitor's language as one staff member can read it: sealed in `conversation.opened` with
/// the conversation key (docs/PROTOCOL.md, "Kinds"), so it is known only to those who hold that key.
public enum ConversationLanguage {
    /// What the opening says about the language.
    public enum Reading: Hashable, Sendable {
        case known(VisitorLanguage)
        /// The opening carries no language (made before it existed, or by a client that sent none).
        case notSent
        /// A language is sealed in it, but it cannot be read with these keys; the reason says why.
        case unreadable(String)

        public var language: VisitorLanguage? {
            if case .known(let language) = self { language } else { nil }
        }
    }

    /// Reads the visitor's `conversation.opened` among `events` (the first by the visitor) with `keys`.
    public static func read(_ events: [StoredEvent], keys: ConversationKeys) -> Reading {
        guard let opened = events.first(where: { $0.kind == .conversationOpened && $0.isByVisitor }) else {
            return .unreadable("the conversation.opened event is missing")
        }
        return read(opened, keys: keys)
    }

    /// Reads the language in one `conversation.opened` event with `keys`.
    public static func read(_ opened: StoredEvent, keys: ConversationKeys) -> Reading {
        let content: ConversationOpened
        do {
            content = try ConversationOpened(content: opened.event.content)
        } catch {
            return .unreadable("the conversation.opened is malformed: \(error.message)")
        }
        guard content.sealedLanguage != nil else { return .notSent }
        guard !keys.conversationKeys.isEmpty else {
            return .unreadable("the language cannot be opened: " + (keys.conversationKeyProblem?.message ?? "the conversation key is not known"))
        }
        // Sealed with the first conversation key: after a re-key it is the oldest the reader holds.
        for key in keys.conversationKeys.reversed() {
            do {
                return try content.language(conversationKey: key).map { .known($0) } ?? .notSent
            } catch where error.code == .badSignature {
                continue
            } catch {
                return .unreadable("the language is malformed: \(error.message)")
            }
        }
        return .unreadable("the language does not open with the conversation key: it was altered, or sealed with another key")
    }
}
