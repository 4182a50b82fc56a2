extension WrapUp {
    /// Optional monitoring fields a worker may record at wrap-up, only as the visitor chose to say
    /// (docs/READ-MODELS.md, "Wrap-up"). `notRecorded` is the default and is never guessed over.
    public enum AgeBand: String, WrapUpTerm {
        case under18 = "under-18"
        case age18to24 = "18-24"
        case age25to34 = "25-34"
        case age35to44 = "35-44"
        case age45to54 = "45-54"
        case age55plus = "55-plus"
        case notRecorded = "not-recorded"

        public static let field = "age"
        public static let noun = "age band"

        public var label: String {
            switch self {
            case .under18: "under 18"
            case .age55plus: "55 and over"
            case .notRecorded: "not recorded"
            default: rawValue
            }
        }
    }

    public enum Gender: String, WrapUpTerm {
        case woman, man
        case nonBinary = "non-binary"
        case other
        case notRecorded = "not-recorded"

        public static let field = "gender"
        public static let noun = "gender"

        public var label: String {
            switch self {
            case .nonBinary: "non-binary"
            case .notRecorded: "not recorded"
            default: rawValue
            }
        }
    }

    public enum WorkSetting: String, WrapUpTerm {
        case independentIndoor = "independent-indoor"
        case agencyEscort = "agency-escort"
        case parlourBrothel = "parlour-brothel"
        case street
        case onlineOnly = "online-only"
        case other
        case notRecorded = "not-recorded"

        public static let field = "work-setting"
        public static let noun = "work setting"

        public var label: String {
            switch self {
            case .independentIndoor: "independent, indoor"
            case .agencyEscort: "agency or escort"
            case .parlourBrothel: "parlour or brothel"
            case .onlineOnly: "online only"
            case .notRecorded: "not recorded"
            default: rawValue
            }
        }
    }

    /// The optional fields together; all `notRecorded` unless the worker said otherwise.
    public struct Demographics: Hashable, Sendable {
        public let age: AgeBand
        public let gender: Gender
        public let workSetting: WorkSetting

        public init(age: AgeBand = .notRecorded, gender: Gender = .notRecorded, workSetting: WorkSetting = .notRecorded) {
            self.age = age
            self.gender = gender
            self.workSetting = workSetting
        }

        public static let notRecorded = Demographics()
        public var isRecorded: Bool { self != .notRecorded }
    }
}
