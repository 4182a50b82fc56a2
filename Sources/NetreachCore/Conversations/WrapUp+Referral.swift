extension WrapUp {
    /// The kind of partner service the visitor was referred to. Names are part of the wire format.
    public enum Referral: String, WrapUpTerm {
        case sexualHealthClinic = "sexual-health-clinic"
        case drugAlcoholService = "drug-alcohol-service"
        case housingService = "housing-service"
        case mentalHealthService = "mental-health-service"
        case gp
        case advocacyISVA = "advocacy-isva"
        case domesticAbuseService = "domestic-abuse-service"
        case policeLiaison = "police-liaison"
        case legalAdvice = "legal-advice"
        case immigrationAdvice = "immigration-advice"
        case moneyAdvice = "money-advice"
        case other

        public static let field = "referrals"
        public static let noun = "referral"

        public var label: String {
            switch self {
            case .sexualHealthClinic: "sexual health clinic"
            case .drugAlcoholService: "drug and alcohol service"
            case .housingService: "housing service"
            case .mentalHealthService: "mental health service"
            case .gp: "GP"
            case .advocacyISVA: "advocacy (ISVA: independent sexual violence adviser)"
            case .domesticAbuseService: "domestic abuse service"
            case .policeLiaison: "police liaison"
            case .legalAdvice: "legal advice"
            case .immigrationAdvice: "immigration advice"
            case .moneyAdvice: "money and debt advice"
            case .other: "other service"
            }
        }
    }
}
