import Foundation
public import NetreachCore
import Sodium

/// A local demo deployment for `ops/run`: an organisation key, a worker and a supervisor enrolled by
/// it, and a relay key — every private key encrypted under one printed demo passphrase. It follows
/// the real ceremony's formats (docs/KEYS.md) but, being a demo, makes all keys on one machine.
public enum DemoDeployment {
    public struct Made: Sendable {
        public let keysDirectory: String
        public let dataDirectory: String
        public let relayKeyPath: String
        public let passphrasePath: String
        /// What the visitor page shows (`serve --web-config`): made-up numbers and hours.
        public let webConfigPath: String
        /// Made-up partner services for the referral directory (`serve --referrals`).
        public let referralsPath: String
        /// Each staff member's key file, and a `NETREACH_HOME` folder holding it for the `netreach` CLI.
        public let staff: [(name: String, role: String, keyFile: String, home: String)]
    }

    public static func create(at directory: String, passphrase: String) throws(KeyError) -> Made {
        let keys = directory + "/Keys", data = directory + "/data", secrets = directory + "/private"
        for path in [directory, keys, keys + "/staff", keys + "/revoked", data, secrets] {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: path == secrets ? 0o700 : 0o755])
            } catch {
                throw KeyError(code: .ioError, "cannot create \(path): \(error)")
            }
        }
        let secret = SecureBytes(copying: Array(passphrase.utf8))
        let limits = PasswordHash.Limits.interactive
        let organisationKey = SigningKeyPair.generate()
        let organisation = OrganisationPublicKey(name: try DeploymentName("netreach-demo"), signKey: organisationKey.publicKey)
        try KeyFileStorage.writeAtomically(organisation.fileBytes, to: keys + "/org.pub", permissions: 0o644)
        try EncryptedPrivateKeyFile.write(
            try EncryptedPrivateKeyFile.create(kind: .org, name: "netreach-demo", secrets: organisationKey.seed,
                                               passphrase: secret, limits: limits), to: secrets + "/org.key")
        var staff: [(String, String, String, String)] = []
        // sam speaks English and Romanian, jo English and Bulgarian: the inbox marks chats in other languages.
        for (name, role, spoken) in [("sam", StaffRole.worker, ["en", "ro"]), ("jo", StaffRole.supervisor, ["en", "bg"])] {
            let signing = SigningKeyPair.generate(), box = BoxKeyPair.generate()
            let certificate = EnrolmentCertificate.issue(
                enrolling: StaffPublicKey(name: try StaffName(name), signKey: signing.publicKey, boxKey: box.publicKey),
                role: role, issued: try KeyTimestamp.now(), languages: VisitorLanguage.pageLanguages.filter { spoken.contains($0.tag) },
                organisationKey: organisationKey)
            try KeyFileStorage.writeAtomically(certificate.fileBytes, to: keys + "/staff/" + certificate.fileName, permissions: 0o644)
            let both = SecureBytes(count: 64) { out in
                signing.seed.withByteInput { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32) }
                box.secretKey.withByteInput { (out.baseAddress! + 32).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            }
            // The CLI's folder for this person, as `netreach staff init` would have made it.
            let home = secrets + "/home-\(name)"
            do {
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw KeyError(code: .ioError, "cannot create \(home): \(error)")
            }
            let keyFile = home + "/\(name).key"
            try EncryptedPrivateKeyFile.write(
                try EncryptedPrivateKeyFile.create(kind: .staff, name: name, secrets: both, passphrase: secret, limits: limits),
                to: keyFile)
            try KeyFileStorage.writeAtomically(certificate.staffPublicKey.fileBytes, to: home + "/\(name).pub", permissions: 0o644)
            staff.append((name, role.rawValue, keyFile, home))
        }
        let relayKeyPath = secrets + "/relay.key"
        _ = try RelayKey.load(path: relayKeyPath, passphrase: secret, create: true, limits: limits)
        let passphrasePath = secrets + "/demo.passphrase"
        try KeyFileStorage.writeAtomically(Array((passphrase + "\n").utf8), to: passphrasePath, permissions: 0o600)
        let webConfigPath = directory + "/web-config.json"
        try KeyFileStorage.writeAtomically(Array(VisitorPageSettings.demoJSON.utf8), to: webConfigPath, permissions: 0o644)
        let referralsPath = directory + "/referrals.json"
        try KeyFileStorage.writeAtomically(Array(ReferralDirectory.demoJSON.utf8), to: referralsPath, permissions: 0o644)
        return Made(keysDirectory: keys, dataDirectory: data, relayKeyPath: relayKeyPath, passphrasePath: passphrasePath,
                    webConfigPath: webConfigPath, referralsPath: referralsPath, staff: staff)
    }
}
