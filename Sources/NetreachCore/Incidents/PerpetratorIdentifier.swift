public import Sodium

/// Something that identifies a dangerous person: a phone number, an email address, a username on
/// a platform, or a vehicle registration, held in its normal form (docs/INCIDENTS.md,
/// "Identifiers") so that the same person typed two ways is one identifier.
public struct PerpetratorIdentifier: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, CaseIterable, Sendable {
        case phone, email, handle, plate
    }

    public let kind: Kind
    /// The normal form: E.164 phone, lower-case email, lower-case handle, upper-case plate without spaces.
    public let value: String
    /// The platform of a handle, lower-case; empty for the other kinds.
    public let platform: String

    /// Normalises what a person typed; refuses what cannot be an identifier of this kind.
    public init(kind: Kind, _ typed: String, platform: String = "") throws(IncidentError) {
        self.kind = kind
        switch kind {
        case .phone: value = try Self.phone(typed)
        case .email: value = try Self.email(typed)
        case .plate: value = try Self.plate(typed)
        case .handle: value = try Self.handle(typed)
        }
        if kind == .handle {
            self.platform = try Self.platformName(platform)
        } else {
            guard platform.isEmpty else {
                throw IncidentError(.inconsistent, "only a handle names a platform", field: kind.rawValue)
            }
            self.platform = ""
        }
    }

    /// `platform:handle` for a handle, the value otherwise: how the CLI takes and shows it.
    public var description: String { kind == .handle ? "\(platform):\(value)" : value }

    // MARK: Hashing for the checker

    /// The feed's salt: 32 bytes derived from the organisation's public key, so each organisation's
    /// hashes differ and anyone holding the key (every visitor's page) can compute the salt.
    public static func feedSalt(organisation key: SigningPublicKey) -> [UInt8] {
        Array(SHA512.hash(DomainSeparation.alertFeedSalt.input(key.bytes)).prefix(32))
    }

    /// The b64u hash an alert carries and a checker compares: the first 32 bytes of
    /// SHA-512(ctx("netreach/v1/identifier") ‖ salt ‖ kind ‖ 0x00 ‖ platform ‖ 0x00 ‖ value).
    public func hash(salt: [UInt8]) -> String {
        var input = salt
        input += Array(kind.rawValue.utf8) + [0] + Array(platform.utf8) + [0] + Array(value.utf8)
        return Base64URL.encode(Array(SHA512.hash(DomainSeparation.identifier.input(input)).prefix(32)))
    }

    // MARK: Normal forms

    static func phone(_ typed: String) throws(IncidentError) -> String {
        var text = typed.trimmingSpaces.replacingAll("(0)", with: "")
        text.removeAll { " -().\t/".contains($0) }
        var digits: Substring
        if text.hasPrefix("+") {
            digits = text.dropFirst()
        } else if text.hasPrefix("00") {
            digits = text.dropFirst(2)
        } else if text.hasPrefix("0"), text.count == 11 {
            digits = "44" + text.dropFirst()  // a UK national number
        } else if text.hasPrefix("44"), text.count == 12 {
            digits = Substring(text)
        } else {
            throw IncidentError(.invalidIdentifier, "'\(typed.prefix(40))' is not a phone number: give a UK number (07700 900123) "
                                + "or one with its country code (+44 7700 900123)", field: "phone")
        }
        guard (8...15).contains(digits.count), digits.allSatisfy(\.isASCIIDigit), digits.first != "0" else {
            throw IncidentError(.invalidIdentifier, "'\(typed.prefix(40))' is not a phone number", field: "phone")
        }
        return "+" + digits
    }

    static func email(_ typed: String) throws(IncidentError) -> String {
        let text = typed.trimmingSpaces.lowercased()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw IncidentError(.invalidIdentifier, "'\(typed.prefix(40))' is not an email address", field: "email")
        }
        return text
    }

    static func plate(_ typed: String) throws(IncidentError) -> String {
        var text = typed.trimmingSpaces.uppercased()
        text.removeAll { $0 == " " || $0 == "-" }
        guard (2...8).contains(text.count), text.allSatisfy({ $0.isASCIIDigit || $0.isASCII && ("A"..."Z").contains($0) }) else {
            throw IncidentError(.invalidIdentifier, "'\(typed.prefix(40))' is not a vehicle registration", field: "plate")
        }
        return text
    }

    static func handle(_ typed: String) throws(IncidentError) -> String {
        var text = Substring(typed.trimmingSpaces.lowercased())
        if text.hasPrefix("@") { text = text.dropFirst() }
        guard (1...100).contains(text.count), !text.contains(where: { $0.isWhitespace || $0.isNewline || $0 == ":" }) else {
            throw IncidentError(.invalidIdentifier, "'\(typed.prefix(40))' is not a username", field: "handle")
        }
        return String(text)
    }

    static func platformName(_ typed: String) throws(IncidentError) -> String {
        let text = typed.trimmingSpaces.lowercased()
        guard (1...40).contains(text.count), text.allSatisfy({ $0.isASCIIDigit || $0.isASCII && ("a"..."z").contains($0) || "._-".contains($0) }) else {
            throw IncidentError(.invalidIdentifier, "a handle names its platform (letters, digits, . _ -), as platform:handle",
                                field: "handle")
        }
        return text
    }
}

extension Character {
    /// 0–9 alone: Character ranges compare canonically, so without `isASCII` a digit followed by a
    /// combining mark ("2\u{301}") would count as a digit, and so would pass into a normal form.
    var isASCIIDigit: Bool { isASCII && ("0"..."9").contains(self) }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace || first.isNewline { text.removeFirst() }
        while let last = text.last, last.isWhitespace || last.isNewline { text.removeLast() }
        return String(text)
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        let text = Array(self), pattern = Array(target)
        var result: [Character] = []
        var index = 0
        while index < text.count {
            if !pattern.isEmpty, index + pattern.count <= text.count, Array(text[index..<index + pattern.count]) == pattern {
                result += replacement
                index += pattern.count
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return String(result)
    }
}
