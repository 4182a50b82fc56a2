public import Sodium

/// A staff member's public keys, `NAME.pub`: made by `netreach staff init` and carried to the
/// organisation. Nothing in it is secret, and nothing in it is trusted until it is enrolled.
public struct StaffPublicKey: Hashable, Sendable {
    public static let magic = "netreach-staff-public-key-v1"

    public let name: StaffName
    /// The Ed25519 identity key: signs events and answers login challenges.
    public let signKey: SigningPublicKey
    /// The X25519 key conversation keys are wrapped to.
    public let boxKey: BoxPublicKey

    public init(name: StaffName, signKey: SigningPublicKey, boxKey: BoxPublicKey) {
        self.name = name
        self.signKey = signKey
        self.boxKey = boxKey
    }

    /// Reads a `NAME.pub` file; `fileName` is named in any error.
    public init(parsing bytes: [UInt8], fileName: String? = nil) throws(KeyError) {
        self = try KeyError.naming(file: fileName) { () throws(KeyError) in
            var reader = try KeyFileReader(bytes, magic: StaffPublicKey.magic)
            let name = try reader.read("name")
            let sign = try reader.read("sign")
            let box = try reader.read("box")
            try reader.finish()
            return StaffPublicKey(name: try name.interpret(StaffName.init),
                                  signKey: try sign.signingKey(what: "the staff signing key"),
                                  boxKey: try box.boxKey(what: "the staff box key"))
        }
    }

    /// The exact bytes of the `NAME.pub` file.
    public var fileBytes: [UInt8] {
        var writer = KeyFileWriter(magic: StaffPublicKey.magic)
        writer.add("name", name.text)
        writer.add("sign", Base64URL.encode(signKey))
        writer.add("box", Base64URL.encode(boxKey))
        return writer.bytes
    }

    public var keyID: KeyID { KeyID(signKey) }

    /// The fingerprint read aloud at enrolment (of both keys).
    public var fingerprint: Fingerprint { Fingerprint(signKey: signKey, boxKey: boxKey) }
}
