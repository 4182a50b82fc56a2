import Foundation
import NetreachCore
import Sodium

/// A fresh directory under the system's temporary folder, removed when the test is done with it.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "netreach-keys-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` at `name` (a path relative to the directory), making folders on the way.
    func write(_ bytes: [UInt8], to name: String) throws {
        let url = URL(fileURLWithPath: file(name))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func bytes(of name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: file(name)) ?? Data()) }
}

/// Keys made from fixed seeds, so tests are repeatable.
enum TestKeys {
    static let organisation = keyPair(seed: 1)
    static let otherOrganisation = keyPair(seed: 2)
    static let orgPublic = OrganisationPublicKey(name: name("test-deployment"), signKey: organisation.publicKey)
    static let issued = timestamp("2026-01-15T09:30:00Z")

    static func keyPair(seed: UInt8) -> SigningKeyPair {
        // The seed is a literal of the right size: this cannot fail.
        try! SigningKeyPair(seed: [UInt8](repeating: seed, count: 32))
    }

    static func boxKeyPair(seed: UInt8) -> BoxKeyPair {
        try! BoxKeyPair(secretKey: [UInt8](repeating: seed, count: 32))
    }

    /// A staff member's public keys, different for every `seed`.
    static func staff(_ staffName: String, seed: UInt8) -> StaffPublicKey {
        StaffPublicKey(name: try! StaffName(staffName), signKey: keyPair(seed: seed).publicKey,
                       boxKey: boxKeyPair(seed: seed).publicKey)
    }

    static func certificate(_ staffName: String, seed: UInt8, role: StaffRole = .worker,
                            serial: EnrolmentSerial = .random(), by org: SigningKeyPair = organisation) -> EnrolmentCertificate {
        EnrolmentCertificate.issue(enrolling: staff(staffName, seed: seed), role: role, issued: issued, serial: serial,
                                   organisationKey: org)
    }

    static func revocation(of certificate: EnrolmentCertificate, by org: SigningKeyPair = organisation) -> Revocation {
        Revocation.issue(revoking: certificate, revoked: timestamp("2026-03-02T17:05:41Z"),
                         reason: try! RevocationReason("left the service"), organisationKey: org)
    }

    static func name(_ text: String) -> DeploymentName { try! DeploymentName(text) }
    static func timestamp(_ text: String) -> KeyTimestamp { try! KeyTimestamp(parsing: text) }
}

/// `body` (the file up to the last signed line) followed by a `signature:` line made by `org` in
/// `context`: a correctly signed file whose fields may be anything, to test what is checked after the signature.
func signedFile(_ body: String, context: DomainSeparation, by org: SigningKeyPair = TestKeys.organisation) -> [UInt8] {
    let signature = org.sign(context.input(Array(body.utf8)))
    return Array((body + "signature: \(Base64URL.encode(signature))\n").utf8)
}

/// The file's text with `old` replaced by `new` (exactly once is what the tests mean; they check it changed).
func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
    let text = String(decoding: bytes, as: UTF8.self)
    precondition(text.contains(old), "the test's text '\(old)' is not in the file")
    return Array(text.replacingOccurrences(of: old, with: new).utf8)
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// The folder of the fixtures that Fixtures/keys_interop.py made with PyNaCl.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
