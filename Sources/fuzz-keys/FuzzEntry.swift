// libFuzzer harness for the keyring's file parsers (docs/KEYS.md; docs/RELIABILITY.md, "Fuzzing"; build and run with ops/fuzz).
// A plain `swift build` compiles this file into an executable that does nothing.
import NetreachCore
import Sodium

/// The organisation key the harness verifies and re-signs with: fixed, so that seeds signed by it stay valid.
enum Harness {
    static let organisationKey = try! SigningKeyPair(seed: [UInt8](repeating: 9, count: SigningKeyPair.seedCount))
    static let organisation = OrganisationPublicKey(name: try! DeploymentName("fuzz"), signKey: organisationKey.publicKey)
}

/// The input is read as every kind of key file. The key files are strict (one spelling per value),
/// so a file that is read must re-encode to exactly its bytes. Certificates and revocations are also
/// read with their signature line made right, so that mutations reach the field checks behind it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeys(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let key = try? OrganisationPublicKey(parsing: bytes) {
        precondition(key.fileBytes == bytes, "org.pub does not re-encode to its bytes")
    }
    if let key = try? StaffPublicKey(parsing: bytes) {
        precondition(key.fileBytes == bytes, "a staff .pub does not re-encode to its bytes")
    }
    if let file = try? EncryptedPrivateKeyFile(parsing: bytes) {
        precondition(encoded(file) == bytes, "a private key file's header does not re-encode to its bytes")
    }
    checkCertificate(bytes)
    checkRevocation(bytes)
    if let signed = resigned(bytes, magic: EnrolmentCertificate.magic, context: .enrolment) { checkCertificate(signed) }
    if let signed = resigned(bytes, magic: Revocation.magic, context: .revocation) { checkRevocation(signed) }
    return 0
}

func checkCertificate(_ bytes: [UInt8]) {
    guard let certificate = try? EnrolmentCertificate(verifying: bytes, organisation: Harness.organisation) else { return }
    let again = EnrolmentCertificate.issue(enrolling: certificate.staffPublicKey, role: certificate.role,
                                           issued: certificate.issued, serial: certificate.serial,
                                           organisationKey: Harness.organisationKey)
    precondition(again.fileBytes == bytes && again == certificate, "a certificate does not re-issue to its bytes")
}

func checkRevocation(_ bytes: [UInt8]) {
    guard let revocation = try? Revocation(verifying: bytes, organisation: Harness.organisation) else { return }
    // Revoking re-uses the certificate's name, serial and signing key; its other fields are not written.
    let certificate = EnrolmentCertificate.issue(
        enrolling: StaffPublicKey(name: revocation.name, signKey: revocation.signKey,
                                  boxKey: try! BoxPublicKey([UInt8](repeating: 1, count: BoxPublicKey.count))),
        role: .worker, issued: revocation.revoked, serial: revocation.serial, organisationKey: Harness.organisationKey)
    let again = Revocation.issue(revoking: certificate, revoked: revocation.revoked, reason: revocation.reason,
                                 organisationKey: Harness.organisationKey)
    precondition(again.fileBytes == bytes && again == revocation, "a revocation does not re-issue to its bytes")
}

/// The private key file's header as docs/KEYS.md lays it out, from the values read.
func encoded(_ file: EncryptedPrivateKeyFile) -> [UInt8] {
    Array(("\(EncryptedPrivateKeyFile.magic)\nkind: \(file.kind.rawValue)\nname: \(file.name)\n"
        + "kdf: \(EncryptedPrivateKeyFile.kdf)\nopslimit: \(file.limits.opsLimit)\nmemlimit: \(file.limits.memLimit)\n"
        + "salt: \(Base64URL.encode(file.salt))\nnonce: \(Base64URL.encode(file.nonce))\n"
        + "ciphertext: \(Base64URL.encode(file.ciphertext))\n").utf8)
}

/// `bytes` with the value of its last line, when that line is `signature: …` in a file that starts
/// with `magic`, replaced by the organisation's signature over the lines before it; otherwise nil.
func resigned(_ bytes: [UInt8], magic: String, context: DomainSeparation) -> [UInt8]? {
    let prefix = Array("signature: ".utf8)
    guard bytes.starts(with: Array((magic + "\n").utf8)), bytes.last == 0x0A else { return nil }
    let lineStart = bytes.dropLast().lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    guard bytes[lineStart...].starts(with: prefix) else { return nil }
    let signed = Array(bytes[0..<lineStart])
    let signature = Harness.organisationKey.sign(context.input(signed))
    return signed + prefix + Array(Base64URL.encode(signature).utf8) + [0x0A]
}
