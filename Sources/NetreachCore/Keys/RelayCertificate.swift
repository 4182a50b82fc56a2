public import Sodium

/// An organisation's signed statement that a relay's key (which signs the log's checkpoints and
/// every `hello`) belongs to the deployment: `Keys/relays/NAME.cert` (docs/KEYS.md, "Relay
/// certificate"). A deployment with several relays has one key per relay, each made on its own
/// machine and never copied; clients and supervisors accept a checkpoint signed by any certified,
/// unrevoked relay key. A value of this type has always verified under an organisation key.
public struct RelayCertificate: Hashable, Sendable {
    public static let magic = "netreach-relay-certificate-v1"

    /// The relay's name in the deployment (the same rules as a staff name), e.g. `relay-a`.
    public let name: StaffName
    public let signKey: SigningPublicKey
    public let issued: KeyTimestamp
    public let serial: EnrolmentSerial
    public let signature: Signature
    /// The exact bytes of the file: the ones that were verified, or the ones `issue` made.
    public let fileBytes: [UInt8]

    /// Reads a certificate and verifies it under `organisation`, over the file's own bytes before
    /// any field value is interpreted.
    public init(verifying bytes: [UInt8], organisation: OrganisationPublicKey, fileName: String? = nil) throws(KeyError) {
        self = try KeyError.naming(file: fileName) { () throws(KeyError) in
            var reader = try KeyFileReader(bytes, magic: RelayCertificate.magic)
            let name = try reader.read("name")
            let sign = try reader.read("sign")
            let issued = try reader.read("issued")
            let serial = try reader.read("serial")
            let signatureLine = try reader.read("signature")
            try reader.finish()

            let signature = try signatureLine.signature()
            let signed = DomainSeparation.relayCertificate.input(Array(reader.bytes(through: serial)))
            guard organisation.signKey.isValidSignature(signature, for: signed) else {
                throw KeyError(code: .badSignature, "the relay certificate's signature does not verify under the organisation "
                               + "key: the file was changed after signing, or another key signed it",
                               line: signatureLine.number)
            }
            return RelayCertificate(name: try name.interpret(StaffName.init), signKey: try sign.signingKey(what: "the relay key"),
                                    issued: try issued.interpret(KeyTimestamp.init(parsing:)),
                                    serial: try serial.interpret(EnrolmentSerial.init(parsing:)), signature: signature, fileBytes: bytes)
        }
    }

    /// Certifies the relay key `signKey` as `name`: signs with the organisation's key pair; the
    /// certificate's `fileBytes` are the file to write as `relays/NAME.cert`.
    public static func issue(name: StaffName, signKey: SigningPublicKey, issued: KeyTimestamp, serial: EnrolmentSerial = .random(),
                             organisationKey: SigningKeyPair) -> RelayCertificate {
        var writer = KeyFileWriter(magic: magic)
        writer.add("name", name.text)
        writer.add("sign", Base64URL.encode(signKey))
        writer.add("issued", issued.text)
        writer.add("serial", serial.description)
        let signature = organisationKey.sign(DomainSeparation.relayCertificate.input(writer.bytes))
        writer.add("signature", Base64URL.encode(signature))
        return RelayCertificate(name: name, signKey: signKey, issued: issued, serial: serial, signature: signature, fileBytes: writer.bytes)
    }

    private init(name: StaffName, signKey: SigningPublicKey, issued: KeyTimestamp, serial: EnrolmentSerial, signature: Signature,
                 fileBytes: [UInt8]) {
        self.name = name
        self.signKey = signKey
        self.issued = issued
        self.serial = serial
        self.signature = signature
        self.fileBytes = fileBytes
    }

    /// The file name the certificate must have in `Keys/relays/`.
    public var fileName: String { name.text + ".cert" }

    public var fingerprint: Fingerprint { Fingerprint(signKey: signKey) }
}
