extension WrapUp {
    /// How the conversation ended. Names are part of the wire format.
    public enum Outcome: String, WrapUpTerm {
        case supportGiven = "support-given"
        case referred
        case safetyPlanMade = "safety-plan-made"
        case noFurtherAction = "no-further-action"
        case visitorLeft = "visitor-left"
        case other

        public static let field = "outcome"
        public static let noun = "outcome"

        public var label: String {
            switch self {
            case .supportGiven: "support given"
            case .referred: "referred"
            case .safetyPlanMade: "safety plan made"
            case .noFurtherAction: "no further action"
            case .visitorLeft: "visitor left"
            case .other: "other"
            }
        }
    }
}
