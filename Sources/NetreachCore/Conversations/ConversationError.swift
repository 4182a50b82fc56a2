/// A refusal or a problem in the conversation read models: a wrap-up that does not parse or
/// validate, or a key or text that cannot be opened. `field` names the wrap-up field or CLI
/// option at fault; `position` the log position of the event involved.
public struct ConversationError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The wrap-up text breaks its format (docs/READ-MODELS.md, "Wrap-up").
        public static let malformed = Code("malformed")
        /// A topic, referral, outcome or contact name that is not on its list.
        public static let unknownValue = Code("unknownValue")
        /// The same value given twice in one list.
        public static let duplicateValue = Code("duplicateValue")
        /// A value the wrap-up requires is missing (no topic).
        public static let missingValue = Code("missingValue")
        /// Values that contradict each other (outcome `referred` without a referral).
        public static let inconsistent = Code("inconsistent")
        /// A key was never wrapped to the reader's key id.
        public static let notWrappedToMe = Code("notWrappedToMe")
        /// A wrap to the reader exists but does not open: altered, or boxed with other keys.
        public static let wrapDoesNotOpen = Code("wrapDoesNotOpen")
        /// The author of a wrap is not in the keyring, so its sender key is unknown.
        public static let unknownAuthor = Code("unknownAuthor")
        /// The conversation has no `conversation.opened` event, or no staff key was ever made.
        public static let noKey = Code("noKey")
        /// Sealed text does not open with the key: altered, or sealed with another key.
        public static let doesNotOpen = Code("doesNotOpen")
        /// A later wrap gives a different key than the one in use; it is ignored.
        public static let conflictingKey = Code("conflictingKey")
        /// An event's content does not have its kind's layout.
        public static let malformedContent = Code("malformedContent")

        public var description: String { name }
    }

    public let code: Code
    public let message: String
    public let field: String?
    public let position: UInt64?

    public init(_ code: Code, _ message: String, field: String? = nil, position: UInt64? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.position = position
    }

    public var description: String { "\(code): \(message)" }
}
