/// What an enrolment allows a staff member to do.
public enum StaffRole: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case worker
    case supervisor

    /// Reads the value of a `role:` line; throws `invalidValue` on anything but `worker` or `supervisor`.
    public init(parsing text: String) throws(KeyError) {
        guard let role = StaffRole(rawValue: text) else {
            throw KeyError(code: .invalidValue, "a role is 'worker' or 'supervisor', got '\(shortened(text))'")
        }
        self = role
    }

    public var description: String { rawValue }
}
