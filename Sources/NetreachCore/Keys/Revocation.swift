public import Sodium

/// An organisation's signed, permanent withdrawal of one enrolment, `Keys/revoked/NAME-SERIAL.rev`.
/// It names both the serial and the key, so it cannot be moved to another enrolment. A value of
/// this type has always verified under an organisation key.
public struct Revocation: Hashable, Sendable {
    public static let magic = "netreach-revocation-v1"

    public let name: StaffName
    public let serial: EnrolmentSerial
    /// The Ed25519 key that is revoked.
    public let signKey: SigningPublicKey
    public let revoked: KeyTimestamp
    public let reason: RevocationReason
    public let signature: Signature
    /// The exact bytes of the file: the ones that were verified, or the ones `issue` made.
    public let fileBytes: [UInt8]

    /// Reads a revocation and verifies it under `organisation`, checking the signature over the
    /// file's own bytes before any field value is interpreted.
    public init(verifying bytes: [UInt8], organisation: OrganisationPublicKey, fileName: String? = nil) throws(KeyError) {
        self = try KeyError.naming(file: fileName) { () throws(KeyError) in
            var reader = try KeyFileReader(bytes, magic: Revocation.magic)
            let name = try reader.read("name")
            let serial = try reader.read("serial")
            let sign = try reader.read("sign")
            let revoked = try reader.read("revoked")
            let reason = try reader.read("reason")
            let signatureLine = try reader.read("signature")
            try reader.finish()

            let signature = try signatureLine.signature()
            let signed = DomainSeparation.revocation.input(Array(reader.bytes(through: reason)))
            guard organisation.signKey.isValidSignature(signature, for: signed) else {
                throw KeyError(code: .badSignature, "the revocation's signature does not verify under the organisation "
                               + "key: the file was changed after signing, or another key signed it",
                               line: signatureLine.number)
            }
            return Revocation(
                name: try name.interpret(StaffName.init), serial: try serial.interpret(EnrolmentSerial.init(parsing:)),
                signKey: try sign.signingKey(what: "the revoked signing key"),
                revoked: try revoked.interpret(KeyTimestamp.init(parsing:)),
                reason: try reason.interpret(RevocationReason.init), signature: signature, fileBytes: bytes)
        }
    }

    /// Revokes `certificate`: signs with the organisation's key pair and returns the revocation,
    /// whose `fileBytes` are the file to write as `revoked/NAME-SERIAL.rev`.
    public static func issue(revoking certificate: EnrolmentCertificate, revoked: KeyTimestamp, reason: RevocationReason,
                             organisationKey: SigningKeyPair) -> Revocation {
        issue(name: certificate.name, serial: certificate.serial, signKey: certificate.signKey, revoked: revoked, reason: reason,
              organisationKey: organisationKey)
    }

    /// Revokes a relay's certificate (the same file format: a relay key is revoked like a staff key).
    public static func issue(revoking relay: RelayCertificate, revoked: KeyTimestamp, reason: RevocationReason,
                             organisationKey: SigningKeyPair) -> Revocation {
        issue(name: relay.name, serial: relay.serial, signKey: relay.signKey, revoked: revoked, reason: reason, organisationKey: organisationKey)
    }

    private static func issue(name: StaffName, serial: EnrolmentSerial, signKey: SigningPublicKey, revoked: KeyTimestamp,
                              reason: RevocationReason, organisationKey: SigningKeyPair) -> Revocation {
        var writer = KeyFileWriter(magic: magic)
        writer.add("name", name.text)
        writer.add("serial", serial.description)
        writer.add("sign", Base64URL.encode(signKey))
        writer.add("revoked", revoked.text)
        writer.add("reason", reason.text)
        let signature = organisationKey.sign(DomainSeparation.revocation.input(writer.bytes))
        writer.add("signature", Base64URL.encode(signature))
        return Revocation(name: name, serial: serial, signKey: signKey, revoked: revoked, reason: reason, signature: signature,
                          fileBytes: writer.bytes)
    }

    private init(name: StaffName, serial: EnrolmentSerial, signKey: SigningPublicKey, revoked: KeyTimestamp,
                 reason: RevocationReason, signature: Signature, fileBytes: [UInt8]) {
        self.name = name
        self.serial = serial
        self.signKey = signKey
        self.revoked = revoked
        self.reason = reason
        self.signature = signature
        self.fileBytes = fileBytes
    }

    /// The file name the revocation must have in `Keys/revoked/`: `NAME-SERIAL.rev`.
    public var fileName: String { "\(name.text)-\(serial).rev" }
}
