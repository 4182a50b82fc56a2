/// A refusal in the Ugly Mugs work: a report, consent change, alert or export that breaks its
/// format or its rules (docs/INCIDENTS.md). `field` names the report field or CLI option at fault.
public struct IncidentError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The text is not the document's JSON layout (a missing or unknown field, a wrong type).
        public static let malformed = Code("malformed")
        /// A value that is not on its list (a harm, a setting, a time band, an identifier kind).
        public static let unknownValue = Code("unknownValue")
        /// A value the rules require is missing (no harm named, no date).
        public static let missingValue = Code("missingValue")
        /// A text over its limit, or a list with too many entries.
        public static let tooLong = Code("tooLong")
        /// A phone number, email, plate or handle that does not normalise.
        public static let invalidIdentifier = Code("invalidIdentifier")
        /// Values that contradict each other (a police contact below consent level 4).
        public static let inconsistent = Code("inconsistent")
        /// The current consent does not allow what was asked (an alert below 2, an export below 3).
        public static let consentTooLow = Code("consentTooLow")
        /// No incident with this id in the conversations this reader can open.
        public static let noSuchIncident = Code("noSuchIncident")
        /// An alert whose signature or signer does not verify against the organisation's keyring.
        public static let unverifiedAlert = Code("unverifiedAlert")

        public var description: String { name }
    }

    public let code: Code
    public let message: String
    public let field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code): \(message)" }
}
