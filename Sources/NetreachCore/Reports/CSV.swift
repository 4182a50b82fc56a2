/// CSV as the project writes it everywhere (reports, lists): RFC 4180 quoting, and a leading `=`,
/// `+`, `-` or `@` prefixed with `'` so that a spreadsheet never runs a field as a formula.
public enum CSV {
    public static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }
}
