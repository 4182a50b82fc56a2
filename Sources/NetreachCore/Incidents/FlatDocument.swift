/// Strict reading of the incident documents: one flat JSON object (docs/INCIDENTS.md) whose
/// fields are exactly the ones named, each of its type. Lists are strings of space-separated
/// names, which the normal forms of every listed value make unambiguous.
struct FlatDocument {
    private let fields: [String: WireValue]
    private let what: String

    /// Parses `text` and checks its `format` field and its set of field names: each of `names`, and
    /// any of `optional`.
    init(_ text: String, format: String, fields names: Set<String>, optional: Set<String> = [], what: String) throws(IncidentError) {
        self.what = what
        do {
            fields = try WireJSON.parseObject(text)
        } catch {
            throw IncidentError(.malformed, "\(what) is not one JSON object: \(error.message)")
        }
        guard fields["format"] == .string(format) else {
            throw IncidentError(.malformed, "\(what) has format '\(format)'", field: "format")
        }
        let given = Set(fields.keys)
        if let missing = names.subtracting(given).sorted().first {
            throw IncidentError(.malformed, "\(what) has no field '\(missing)'", field: missing)
        }
        if let extra = given.subtracting(names).subtracting(optional).subtracting(["format"]).sorted().first {
            throw IncidentError(.malformed, "\(what) has an unknown field '\(extra.prefix(40))'", field: String(extra.prefix(40)))
        }
    }

    /// Whether the document has the field (an optional one may be absent).
    func has(_ name: String) -> Bool { fields[name] != nil }

    func string(_ name: String) throws(IncidentError) -> String {
        guard case .string(let value)? = fields[name] else { throw IncidentError(.malformed, "\(what): '\(name)' is a string", field: name) }
        return value
    }

    func integer(_ name: String) throws(IncidentError) -> Int {
        guard case .unsigned(let value)? = fields[name], value <= 1_000_000 else {
            throw IncidentError(.malformed, "\(what): '\(name)' is a small whole number", field: name)
        }
        return Int(value)
    }

    func bool(_ name: String) throws(IncidentError) -> Bool {
        guard case .bool(let value)? = fields[name] else { throw IncidentError(.malformed, "\(what): '\(name)' is true or false", field: name) }
        return value
    }

    /// A list field: the empty string for none, else names separated by single spaces.
    func list(_ name: String) throws(IncidentError) -> [String] {
        let text = try string(name)
        if text.isEmpty { return [] }
        let items = text.split(separator: " ", omittingEmptySubsequences: false)
        guard items.allSatisfy({ !$0.isEmpty }) else {
            throw IncidentError(.malformed, "\(what): '\(name)' separates its values by single spaces", field: name)
        }
        return items.map(String.init)
    }
}

/// Limits shared by the incident documents.
enum TextLimit {
    /// Refuses text longer than `limit` UTF-8 bytes, or holding control characters other than line breaks and tabs.
    static func check(_ text: String, _ limit: Int, field: String) throws(IncidentError) {
        guard text.utf8.count <= limit else {
            throw IncidentError(.tooLong, "\(field) is at most \(limit) bytes, got \(text.utf8.count)", field: field)
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7f }) else {
            throw IncidentError(.malformed, "\(field) holds a control character", field: field)
        }
    }

    /// A calendar date `YYYY-MM-DD` (years 2000–2099).
    static func date(_ text: String, field: String) throws(IncidentError) -> String {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        // Digits only: Int("+1") is 1, and "2026-+1-01" is not a date.
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (2000...2099).contains(year), (1...12).contains(month), day >= 1,
              day <= daysIn(month: month, year: year) else {
            throw IncidentError(.malformed, "\(field) is a date written YYYY-MM-DD, got '\(text.prefix(20))'", field: field)
        }
        return text
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
