/// An event as a staff replica holds it: where the relay stored it, and the signed event.
public struct StoredEvent: Hashable, Sendable {
    /// The relay's log position.
    public let position: UInt64
    /// The version of the conversation's stream after this event.
    public let version: UInt64
    /// The relay's clock when it stored the event, in milliseconds since 1970 (rounded to the minute).
    public let timeMilliseconds: UInt64
    public let event: Event

    public init(position: UInt64, version: UInt64, timeMilliseconds: UInt64, event: Event) {
        self.position = position
        self.version = version
        self.timeMilliseconds = timeMilliseconds
        self.event = event
    }
}
