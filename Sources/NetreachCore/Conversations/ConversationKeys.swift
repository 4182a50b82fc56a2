public import Sodium

/// The two keys of one conversation as far as one staff member can open them, and why a key is
/// missing when it is (docs/READ-MODELS.md, "Keys"). Hold a value only while reading: the keys
/// are zeroed when the last copy is released.
public struct ConversationKeys: Sendable {
    /// The conversation the keys belong to; nil when there were no events.
    public let conversation: ConversationID?
    /// Opens `message.posted`. Made by the visitor's client.
    public let conversationKey: SecureBytes?
    /// Opens notes, transfer notes and wrap-ups. Made by the first staff member who needed one.
    public let staffKey: SecureBytes?
    /// Why `conversationKey` is nil (nil when it is not).
    public let conversationKeyProblem: ConversationError?
    /// Why `staffKey` is nil (nil when it is not).
    public let staffKeyProblem: ConversationError?
    /// Everything odd met on the way, in log order, including wraps that did not open when another did.
    public let problems: [ConversationError]

    /// Keys known some other way: a client that just made the staff key, or a test.
    public init(conversation: ConversationID?, conversationKey: SecureBytes?, staffKey: SecureBytes?,
                conversationKeyProblem: ConversationError? = nil, staffKeyProblem: ConversationError? = nil,
                problems: [ConversationError] = []) {
        self.conversation = conversation
        self.conversationKey = conversationKey
        self.staffKey = staffKey
        self.conversationKeyProblem = conversationKey == nil
            ? conversationKeyProblem ?? ConversationError(.noKey, "the conversation key is not known") : nil
        self.staffKeyProblem = staffKey == nil ? staffKeyProblem ?? ConversationError(.noKey, "the staff key is not known") : nil
        self.problems = problems
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
    public static func resolve(events: [StoredEvent], me: StaffSecrets, keyring: Keyring) -> ConversationKeys {
        var resolver = KeyResolver(me: me, lookup: StaffLookup(keyring))
        let conversation = events.first(where: { $0.kind == .conversationOpened })?.conversation ?? events.first?.conversation
        for stored in events where stored.conversation == conversation { resolver.read(stored) }
        return resolver.finish(conversation: conversation)
    }
}
