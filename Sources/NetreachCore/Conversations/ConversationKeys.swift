public import Sodium

/// The two keys of one conversation as far as one staff member can open them, and why a key is
/// missing when it is (docs/READ-MODELS.md, "Keys"). Hold a value only while reading: the keys
/// are zeroed when the last copy is released.
public struct ConversationKeys: Sendable {
    /// The conversation the keys belong to; nil when there were no events.
    public let conversation: ConversationID?
    /// Seals `message.posted` (made by the visitor's client, or by the supervisor who last re-keyed
    /// the conversation): the newest conversation key, nil when it was not wrapped to this member.
    public let conversationKey: SecureBytes?
    /// Seals notes, transfer notes and wrap-ups: the newest staff key (made by the first staff
    /// member who needed one, or by the supervisor who last re-keyed the conversation).
    public let staffKey: SecureBytes?
    /// Every conversation key this member holds, newest first: a conversation re-keyed when
    /// someone left has texts sealed with each (docs/KEYS.md, "Offboarding").
    public let conversationKeys: [SecureBytes]
    /// Every staff key this member holds, newest first.
    public let staffKeys: [SecureBytes]
    /// Why `conversationKey` is nil (nil when it is not).
    public let conversationKeyProblem: ConversationError?
    /// Why `staffKey` is nil (nil when it is not).
    public let staffKeyProblem: ConversationError?
    /// Everything odd met on the way, in log order, including wraps that did not open when another did.
    public let problems: [ConversationError]

    /// Keys known some other way: a client that just made the staff key, or a test.
    public init(conversation: ConversationID?, conversationKey: SecureBytes?, staffKey: SecureBytes?,
                conversationKeyProblem: ConversationError? = nil, staffKeyProblem: ConversationError? = nil,
                problems: [ConversationError] = [], conversationKeys: [SecureBytes]? = nil, staffKeys: [SecureBytes]? = nil) {
        self.conversation = conversation
        self.conversationKeys = conversationKeys ?? (conversationKey.map { [$0] } ?? [])
        self.staffKeys = staffKeys ?? (staffKey.map { [$0] } ?? [])
        self.conversationKey = conversationKey
        self.staffKey = staffKey
        self.conversationKeyProblem = conversationKey == nil
            ? conversationKeyProblem ?? ConversationError(.noKey, "the conversation key is not known") : nil
        self.staffKeyProblem = staffKey == nil ? staffKeyProblem ?? ConversationError(.noKey, "the staff key is not known") : nil
        self.problems = problems
    }

    /// Opens sealed text with whichever of `keys` seals it (newest first); nil when none does.
    public static func open(_ sealed: [UInt8], with keys: [SecureBytes]) -> String? {
        for key in keys { if let text = try? SealedText.open(sealed, key: key) { return text } }
        return nil
    }

    /// Finds and opens the keys wrapped to `me` in one conversation's events (in log order; events
    /// of other conversations than the first one's are skipped). Never throws: what cannot be
    /// opened is reported in the problems.
    ///
    /// - The conversation key comes from the wrap to `me` in `conversation.opened` (boxed by the
    ///   visitor's X25519 key in its content), else from the first `key.wrapped` purpose 1 wrap to
    ///   `me` that opens (boxed by its author's enrolled X25519 key; revoked authors included).
    /// - The staff key is the one in the first `key.wrapped` purpose 2 event. A later purpose 2
    ///   event may wrap it to more people: its key is used only when it opens the conversation's
    ///   staff-sealed texts (or there are none yet), so a stray second staff key is never taken.
    /// - A `key.rotated` by a supervisor makes a newer key of its purpose, named by its key id; a
    ///   `key.wrapped` that names that id shares it later. A wrap whose key is not the one its id
    ///   names is not used. The newest rotation's key is the one to write with: a member it was
    ///   not wrapped to has none (and still reads with the older keys they hold).
    public static func resolve(events: [StoredEvent], me: StaffSecrets, keyring: Keyring) -> ConversationKeys {
        var resolver = KeyResolver(me: me, lookup: StaffLookup(keyring))
        let conversation = events.first(where: { $0.kind == .conversationOpened })?.conversation ?? events.first?.conversation
        for stored in events where stored.conversation == conversation { resolver.read(stored) }
        return resolver.finish(conversation: conversation)
    }
}
