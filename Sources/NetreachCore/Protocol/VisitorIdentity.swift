public import Sodium

/// A visitor's keys and conversation id, all derived from the resume phrase (docs/PROTOCOL.md).
public struct VisitorIdentity: Sendable {
    public let signing: SigningKeyPair
    public let box: BoxKeyPair
    public let conversation: ConversationID

    public init(phrase: ResumePhrase) {
        var input = DomainSeparation.visitorKeys.prefix + phrase.entropy.copyBytes()
        var k = SHA512.hash(input)
        defer {
            Sodium.memzero(&input)
            Sodium.memzero(&k)
        }
        // Both halves have the exact sizes the key pairs need, so these cannot fail.
        signing = try! SigningKeyPair(seed: SecureBytes(copying: k[0..<32]))
        box = try! BoxKeyPair(secretKey: SecureBytes(copying: k[32..<64]))
        conversation = ConversationID(visitor: signing.publicKey)
    }
}
