public import Sodium

extension Event {
    /// A visitor's `conversation.opened`: the conversation key wrapped to every active staff member of
    /// the keyring and to the visitor itself, and the page's language sealed with the conversation key
    /// when given, as the web page makes it (docs/PROTOCOL.md, "Kinds").
    public static func opening(identity: VisitorIdentity, conversationKey: SecureBytes, keyring: Keyring,
                               language: VisitorLanguage? = nil, clientTimeMilliseconds: UInt64 = 0) throws(ProtocolError) -> Event {
        var wraps = keyring.active.map { Wrap(key: conversationKey, to: $0.keyID.bytes, recipientKey: $0.boxKey, from: identity.box) }
        wraps.append(Wrap(key: conversationKey, to: KeyID(identity.signing.publicKey).bytes, recipientKey: identity.box.publicKey,
                          from: identity.box))
        let opened = language.map { ConversationOpened(visitorBoxKey: identity.box.publicKey, wraps: wraps, language: $0,
                                                       conversationKey: conversationKey) }
            ?? ConversationOpened(visitorBoxKey: identity.box.publicKey, wraps: wraps)
        return try Event(kind: .conversationOpened, conversation: identity.conversation, clientTimeMilliseconds: clientTimeMilliseconds,
                         content: opened.content, signer: identity.signing)
    }
}
