public import Sodium

/// The organisation's root public key, `Keys/org.pub`: everything else in a keyring is trusted
/// because it verifies under this key.
public struct OrganisationPublicKey: Hashable, Sendable {
    public static let magic = "netreach-org-public-key-v1"

    public let name: DeploymentName
    public let signKey: SigningPublicKey

    public init(name: DeploymentName, signKey: SigningPublicKey) {
        self.name = name
        self.signKey = signKey
    }

    /// Reads an `org.pub` file; `fileName` is named in any error.
    public init(parsing bytes: [UInt8], fileName: String? = nil) throws(KeyError) {
        self = try KeyError.naming(file: fileName) { () throws(KeyError) in
            var reader = try KeyFileReader(bytes, magic: OrganisationPublicKey.magic)
            let name = try reader.read("name")
            let sign = try reader.read("sign")
            try reader.finish()
            return OrganisationPublicKey(name: try name.interpret(DeploymentName.init),
                                         signKey: try sign.signingKey(what: "the organisation signing key"))
        }
    }

    /// The exact bytes of the `org.pub` file.
    public var fileBytes: [UInt8] {
        var writer = KeyFileWriter(magic: OrganisationPublicKey.magic)
        writer.add("name", name.text)
        writer.add("sign", Base64URL.encode(signKey))
        return writer.bytes
    }

    public var keyID: KeyID { KeyID(signKey) }

    /// The fingerprint the organisation publishes (of the signing key alone).
    public var fingerprint: Fingerprint { Fingerprint(signKey: signKey) }
}
