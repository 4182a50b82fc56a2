public import Sodium

/// An organisation's signed statement that a staff member's keys belong to the keyring,
/// `Keys/staff/NAME.cert`. A value of this type has always verified under an organisation key:
/// it is made only by `init(verifying:…)` or `issue(…)`.
public struct EnrolmentCertificate: Hashable, Sendable {
    public static let magic = "netreach-enrolment-v1"

    public let name: StaffName
    public let role: StaffRole
    public let signKey: SigningPublicKey
    public let boxKey: BoxPublicKey
    public let issued: KeyTimestamp
    public let serial: EnrolmentSerial
    /// The languages the staff member speaks, as the organisation wrote them at enrolment (the
    /// optional `languages:` line, docs/KEYS.md); empty when none were given.
    public let languages: [VisitorLanguage]
    public let signature: Signature
    /// The exact bytes of the file: the ones that were verified, or the ones `issue` made.
    public let fileBytes: [UInt8]

    /// Reads a certificate and verifies it under `organisation`. As docs/KEYS.md requires, the
    /// signature is checked over the file's own bytes before any field value is interpreted.
    public init(verifying bytes: [UInt8], organisation: OrganisationPublicKey, fileName: String? = nil) throws(KeyError) {
        self = try KeyError.naming(file: fileName) { () throws(KeyError) in
            var reader = try KeyFileReader(bytes, magic: EnrolmentCertificate.magic)
            let name = try reader.read("name")
            let role = try reader.read("role")
            let sign = try reader.read("sign")
            let box = try reader.read("box")
            let issued = try reader.read("issued")
            let serial = try reader.read("serial")
            let languages = try reader.readIfPresent("languages")
            let signatureLine = try reader.read("signature")
            try reader.finish()

            let signature = try signatureLine.signature()
            let signed = DomainSeparation.enrolment.input(Array(reader.bytes(through: languages ?? serial)))
            guard organisation.signKey.isValidSignature(signature, for: signed) else {
                throw KeyError(code: .badSignature, "the enrolment's signature does not verify under the organisation "
                               + "key: the file was changed after signing, or another key signed it",
                               line: signatureLine.number)
            }
            return EnrolmentCertificate(
                name: try name.interpret(StaffName.init), role: try role.interpret(StaffRole.init(parsing:)),
                signKey: try sign.signingKey(what: "the staff signing key"),
                boxKey: try box.boxKey(what: "the staff box key"),
                issued: try issued.interpret(KeyTimestamp.init(parsing:)),
                serial: try serial.interpret(EnrolmentSerial.init(parsing:)),
                languages: try languages?.interpret(EnrolmentCertificate.parseLanguages) ?? [],
                signature: signature, fileBytes: bytes)
        }
    }

    /// Enrols `staff` with `role`: signs with the organisation's key pair and returns the certificate,
    /// whose `fileBytes` are the file to write as `staff/NAME.cert`.
    /// `languages` must pass `checkLanguages` (at most 16, no tag twice); an empty list writes no line.
    public static func issue(enrolling staff: StaffPublicKey, role: StaffRole, issued: KeyTimestamp,
                             serial: EnrolmentSerial = .random(), languages: [VisitorLanguage] = [],
                             organisationKey: SigningKeyPair) -> EnrolmentCertificate {
        var writer = KeyFileWriter(magic: magic)
        writer.add("name", staff.name.text)
        writer.add("role", role.rawValue)
        writer.add("sign", Base64URL.encode(staff.signKey))
        writer.add("box", Base64URL.encode(staff.boxKey))
        writer.add("issued", issued.text)
        writer.add("serial", serial.description)
        if !languages.isEmpty { writer.add("languages", languages.map(\.tag).joined(separator: ", ")) }
        let signature = organisationKey.sign(DomainSeparation.enrolment.input(writer.bytes))
        writer.add("signature", Base64URL.encode(signature))
        return EnrolmentCertificate(name: staff.name, role: role, signKey: staff.signKey, boxKey: staff.boxKey,
                                    issued: issued, serial: serial, languages: languages, signature: signature, fileBytes: writer.bytes)
    }

    /// The most languages one enrolment lists.
    public static let maximumLanguages = 16

    /// Checks a list of languages for `issue`: 1 to 16 tags, none twice (tags compare without case).
    public static func checkLanguages(_ languages: [VisitorLanguage]) throws(KeyError) {
        guard (1...maximumLanguages).contains(languages.count) else {
            throw KeyError(code: .invalidValue, "an enrolment lists 1 to \(maximumLanguages) languages, not \(languages.count)")
        }
        var seen = Set<VisitorLanguage>()
        for language in languages where !seen.insert(language).inserted {
            throw KeyError(code: .invalidValue, "the language \(language) is listed twice")
        }
    }

    /// `ro, pt-BR`: tags separated by a comma and one space, as `issue` writes them.
    static func parseLanguages(_ text: String) throws(KeyError) -> [VisitorLanguage] {
        var languages: [VisitorLanguage] = []
        for part in text.split(separator: ", ", omittingEmptySubsequences: false) {
            do {
                languages.append(try VisitorLanguage(String(part)))
            } catch {
                throw KeyError(code: .invalidValue, "languages: \(error.message) (tags are separated by a comma and one space)")
            }
        }
        try checkLanguages(languages)
        return languages
    }

    private init(name: StaffName, role: StaffRole, signKey: SigningPublicKey, boxKey: BoxPublicKey,
                 issued: KeyTimestamp, serial: EnrolmentSerial, languages: [VisitorLanguage], signature: Signature,
                 fileBytes: [UInt8]) {
        self.name = name
        self.role = role
        self.signKey = signKey
        self.boxKey = boxKey
        self.issued = issued
        self.serial = serial
        self.languages = languages
        self.signature = signature
        self.fileBytes = fileBytes
    }

    /// The file name the certificate must have in `Keys/staff/`.
    public var fileName: String { name.text + ".cert" }

    /// The staff keys this certificate enrols.
    public var staffPublicKey: StaffPublicKey { StaffPublicKey(name: name, signKey: signKey, boxKey: boxKey) }

    public var keyID: KeyID { KeyID(signKey) }

    public var fingerprint: Fingerprint { Fingerprint(signKey: signKey, boxKey: boxKey) }
}
