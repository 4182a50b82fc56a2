extension WrapUp {
    /// What the conversation was about. Names are part of the wire format: never rename one.
    public enum Topic: String, WrapUpTerm {
        case violence
        case sexualHealth = "sexual-health"
        case housing
        case money
        case drugsAlcohol = "drugs-alcohol"
        case mentalHealth = "mental-health"
        case immigration
        case exploitation
        case legal
        case safetyAdvice = "safety-advice"
        case other

        public static let field = "topics"
        public static let noun = "topic"

        public var label: String {
            switch self {
            case .violence: "violence"
            case .sexualHealth: "sexual health"
            case .housing: "housing"
            case .money: "money"
            case .drugsAlcohol: "drugs/alcohol"
            case .mentalHealth: "mental health"
            case .immigration: "immigration"
            case .exploitation: "exploitation"
            case .legal: "legal"
            case .safetyAdvice: "safety advice"
            case .other: "other"
            }
        }
    }
}
