/// A value from one of the wrap-up's fixed lists (docs/READ-MODELS.md, "Wrap-up"): a stable
/// wire and command-line `name` (lower case, words joined by `-`) and a human `label`.
public protocol WrapUpTerm: CaseIterable, Hashable, Sendable, CustomStringConvertible
where AllCases == [Self], Self: RawRepresentable, RawValue == String {
    /// The `WrapUp` field it fills, as errors and the wrap-up text name it (`topics`, `referrals`, …).
    static var field: String { get }
    /// What one value is called in messages (`topic`, `referral`, …).
    static var noun: String { get }
    /// The words shown to people.
    var label: String { get }
}

extension WrapUpTerm {
    /// The wire and command-line name.
    public var name: String { rawValue }

    public var description: String { rawValue }

    /// The value with exactly this name, or nil.
    public init?(name: String) { self.init(rawValue: name) }

    /// Every name on the list, in its documented order.
    public static var names: [String] { allCases.map(\.name) }

    /// Reads what a person typed: case, surrounding space, and `_`, `/` or spaces for `-` do not matter
    /// (`"Drugs/Alcohol"` is `drugs-alcohol`). Throws `unknownValue` naming the value and listing the valid ones.
    public static func parse(_ text: String) throws(ConversationError) -> Self {
        if let value = Self(name: normalised(text)) { return value }
        throw ConversationError(.unknownValue, "unknown \(noun) '\(text)'; the \(noun)s are: \(names.joined(separator: ", "))",
                                field: field)
    }

    /// The position in the documented list, which is the order the wrap-up keeps its lists in.
    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    private static func normalised(_ text: String) -> String {
        let separators: Set<Character> = [" ", "_", "/"]
        let words = text.lowercased().split(whereSeparator: { separators.contains($0) || $0 == "-" })
        return words.joined(separator: "-")
    }
}
