public import Sodium

/// An event from the network whose layout has been read but whose signature has not been checked:
/// what the relay holds while it decides, with cheap checks, whether a request deserves the
/// signature check at all (who is asking, which kind, which conversation, which sizes). The only
/// way to an `Event` is `verified()`.
public struct UnverifiedEvent: Hashable, Sendable {
    /// The event as read, not yet trusted.
    private let unchecked: Event

    /// Reads an event's layout (docs/PROTOCOL.md, "Events"); the signature is not checked.
    public init(bytes: [UInt8]) throws(ProtocolError) {
        unchecked = try Event(previouslyVerifiedBytes: bytes)
    }

    public var kind: EventKind { unchecked.kind }
    public var id: [UInt8] { unchecked.id }
    public var conversation: ConversationID { unchecked.conversation }
    /// The key the event claims as its author; it signed the event only once `verified()` says so.
    public var author: SigningPublicKey { unchecked.author }
    public var content: [UInt8] { unchecked.content }
    public var bytes: [UInt8] { unchecked.bytes }

    /// The event, once its signature verifies for its author.
    public func verified() throws(ProtocolError) -> Event {
        guard Event.signatureVerifies(unchecked.bytes, contentCount: unchecked.content.count, author: unchecked.author,
                                      signature: unchecked.signature) else {
            throw ProtocolError(.badSignature, "the event's signature does not verify for its author")
        }
        return unchecked
    }
}
