extension WrapUp {
    /// Whether the visitor had been in touch with the service before, as far as the worker knows.
    public enum Contact: String, WrapUpTerm {
        case new
        case `repeat`

        public static let field = "contact"
        public static let noun = "contact"

        public var label: String {
            switch self {
            case .new: "new contact"
            case .repeat: "repeat contact"
            }
        }
    }
}
