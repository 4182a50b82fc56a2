import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium
#if canImport(Glibc)
import Glibc
#endif

/// `netreach org …`: the organisation's key ceremony (Keys/README.md), run on an offline machine.
struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "The organisation's key ceremony: root key, enrolments, revocations, offboarding.",
        subcommands: [Init.self, Enrol.self, CertifyRelay.self, Revoke.self, Offboard.self]
    )

    /// `netreach org init --keys DIR --private-key FILE`
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the organisation root key: the private half encrypted to a file you name, the public half to DIR/org.pub.",
            discussion: """
                Run it on an offline machine and keep the private key file on removable media, in two places.

                Example:
                  netreach org init --keys Keys --private-key /media/usb/org.key --name \\
                    red-umbrella
                """
        )

        @Option(help: "The keyring folder; org.pub is written there.") var keys: String
        @Option(help: "Where to write the encrypted organisation private key.") var privateKey: String
        @Option(help: "The deployment's name (lower-case letters, digits, '-').") var name: String
        @Option(help: "Key-derivation cost: interactive, moderate or sensitive (default).") var kdf: KDFStrength = .sensitive
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try DeploymentName(name) } catch { throw ValidationError("--name: \(error.message)") }
        }

        func run() async throws {
            try await failing("org init") {
                let secret = try passphrase.obtain(prompt: "New passphrase for the organisation key: ", isNew: true)
                let organisation = try OrganisationCeremony.initialise(name: try DeploymentName(name), keysDirectory: keys,
                                                                       privateKeyPath: privateKey, passphrase: secret, limits: kdf.limits)
                print("made the organisation key of \(name)")
                print("  private (encrypted): \(privateKey)")
                print("  public: \(keys)/org.pub")
                print("  fingerprint: \(organisation.fingerprint)")
                print("Write the fingerprint on paper and publish it where staff and visitors can check it.")
            }
        }
    }

    /// `netreach org enrol STAFF.pub --role worker|supervisor --keys DIR --private-key FILE`
    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a staff member's enrolment after checking their fingerprint with them.",
            discussion: """
                Shows the fingerprint of the keys in STAFF.pub. The staff member reads theirs aloud (netreach whoami); \
                confirm by typing yes, or pass --fingerprint with what they read. Writes DIR/staff/NAME.cert.

                --languages lists the languages the staff member speaks (BCP 47 tags such as ro, pt-BR), signed \
                into the enrolment: the inbox then marks chats in a language nobody on duty speaks.

                Example:
                  netreach org enrol sam.pub --role worker --languages en,ro --keys Keys \\
                    --private-key /media/usb/org.key
                """
        )

        @Argument(help: "The staff member's NAME.pub.") var staffPublicKey: String
        @Option(help: "worker or supervisor.") var role: String
        @Option(help: "The languages the staff member speaks, comma-separated BCP 47 tags (en,ro,pt-BR); at most 16.")
        var languages: String?
        @Option(help: "The keyring folder.") var keys: String
        @Option(help: "The encrypted organisation private key.") var privateKey: String
        @Option(help: "The fingerprint the staff member read aloud (32 hex digits, spaces allowed); skips the question.")
        var fingerprint: String?
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            guard StaffRole(rawValue: role) != nil else { throw ValidationError("--role is worker or supervisor, got '\(role)'") }
            _ = try spoken()
        }

        private func spoken() throws -> [VisitorLanguage] {
            guard let languages else { return [] }
            do {
                var tags: [VisitorLanguage] = []
                for part in languages.split(separator: ",", omittingEmptySubsequences: false) {
                    tags.append(try VisitorLanguage(part.trimmingCharacters(in: .whitespaces)))
                }
                try EnrolmentCertificate.checkLanguages(tags)
                return tags
            } catch let error as ProtocolError {
                throw ValidationError("--languages: \(error.message)")
            } catch let error as KeyError {
                throw ValidationError("--languages: \(error.message)")
            }
        }

        func run() async throws {
            try await failing("org enrol") {
                let staff = try OrganisationCeremony.readStaffKey(path: staffPublicKey)
                let spoken = try spoken()
                print("enrolling \(staff.name) as \(role)" + (spoken.isEmpty ? "" : ", speaking \(spoken.map(\.tag).joined(separator: ", "))"))
                print("  fingerprint: \(staff.fingerprint)")
                if let fingerprint {
                    let given = fingerprint.lowercased().filter { !$0.isWhitespace }
                    let actual = staff.fingerprint.description.filter { !$0.isWhitespace }
                    guard given == actual else {
                        throw CommandFailure("the fingerprint given does not match \(staffPublicKey): do not enrol; tell the supervisor")
                    }
                } else {
                    guard isatty(0) == 1 else {
                        throw CommandFailure("no terminal to confirm on: pass --fingerprint with what the staff member read aloud")
                    }
                    print("Does the staff member read out exactly this fingerprint? Type yes to sign: ", terminator: "")
                    guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                        throw CommandFailure("not confirmed; nothing was signed")
                    }
                }
                let secret = try passphrase.obtain(prompt: "Passphrase of the organisation key: ")
                let certificate = try OrganisationCeremony.enrol(staff, role: StaffRole(rawValue: role)!, languages: spoken, keysDirectory: keys,
                                                                 privateKeyPath: privateKey, passphrase: secret, issued: try KeyTimestamp.now())
                print("wrote \(keys)/staff/\(certificate.fileName) (serial \(certificate.serial))")
                print("Commit it, then reload the relay (SIGHUP) so that new conversations are wrapped to \(staff.name).")
            }
        }
    }

    /// `netreach org certify-relay NAME --key B64U --fingerprint HEX --keys DIR --private-key FILE`
    struct CertifyRelay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certify-relay",
            abstract: "Certify one relay's key, for a deployment with several relays (docs/KEYS.md, \"Relay certificate\").",
            discussion: """
                Each relay makes its own key on its own machine (netreach-relay make-key), which prints the public key \
                and its fingerprint; the key never leaves that machine. Give both here: the fingerprint is checked \
                against the key. Writes DIR/relays/NAME.cert. Once a keyring holds one relay certificate, every relay \
                of the deployment needs one: a relay whose key is not certified refuses to start, and netreach verify \
                accepts checkpoints only from certified relays.

                Example:
                  netreach org certify-relay relay-b --key KEY --fingerprint "3f9a 01bc …" \\
                    --keys Keys --private-key /media/usb/org.key
                """
        )

        @Argument(help: "The relay's name in the deployment (a-z 0-9 . _ -), e.g. relay-b.") var name: String
        @Option(help: "The relay's public key, as netreach-relay make-key printed it (base64url).") var key: String
        @Option(help: "The fingerprint netreach-relay make-key printed (32 hex digits, spaces allowed).") var fingerprint: String
        @Option(help: "The keyring folder.") var keys: String
        @Option(help: "The encrypted organisation private key.") var privateKey: String
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try StaffName(name) } catch { throw ValidationError("NAME: \(error.message)") }
            _ = try relayKey()
        }

        private func relayKey() throws -> SigningPublicKey {
            guard let bytes = try? Base64URL.decode(key), let key = try? SigningPublicKey(bytes) else {
                throw ValidationError("--key is the 32-byte public key in base64url, as netreach-relay make-key printed it")
            }
            return key
        }

        func run() async throws {
            try await failing("org certify-relay") {
                let key = try relayKey()
                let given = fingerprint.lowercased().filter { !$0.isWhitespace }
                guard given == Fingerprint(signKey: key).description.filter({ !$0.isWhitespace }) else {
                    throw CommandFailure("the fingerprint given does not match the key: do not certify it; check both with whoever ran make-key")
                }
                let secret = try passphrase.obtain(prompt: "Passphrase of the organisation key: ")
                let certificate = try OrganisationCeremony.certifyRelay(name: try StaffName(name), signKey: key, keysDirectory: keys,
                                                                        privateKeyPath: privateKey, passphrase: secret, issued: try KeyTimestamp.now())
                print("wrote \(keys)/relays/\(certificate.fileName) (serial \(certificate.serial))")
                print("Commit it and deploy the keyring to every relay before starting \(name).")
            }
        }
    }

    /// `netreach org revoke NAME --keys DIR --private-key FILE --reason TEXT`
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a staff member's enrolment (they left, or a laptop was lost).",
            discussion: """
                Writes DIR/revoked/NAME-SERIAL.rev. Deploy it at once: the relay closes that key's connections when it reloads.

                Example:
                  netreach org revoke sam --keys Keys --private-key /media/usb/org.key \\
                    --reason "laptop stolen"
                """
        )

        @Argument(help: "The staff name to revoke (with --relay, the relay's name).") var name: String
        @Flag(help: "Revoke the relay certified as NAME (Keys/relays), not a staff member.") var relay = false
        @Option(help: "The keyring folder.") var keys: String
        @Option(help: "The encrypted organisation private key.") var privateKey: String
        @Option(help: "Why (kept in the revocation).") var reason: String
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try StaffName(name) } catch { throw ValidationError("NAME: \(error.message)") }
            do { _ = try RevocationReason(reason) } catch { throw ValidationError("--reason: \(error.message)") }
        }

        func run() async throws {
            try await failing("org revoke") {
                let secret = try passphrase.obtain(prompt: "Passphrase of the organisation key: ")
                if relay {
                    let revocation = try OrganisationCeremony.revokeRelay(name: try StaffName(name), reason: try RevocationReason(reason),
                                                                          keysDirectory: keys, privateKeyPath: privateKey, passphrase: secret,
                                                                          revoked: try KeyTimestamp.now())
                    print("wrote \(keys)/revoked/\(revocation.fileName)")
                    print("Deploy it to every relay: the relay \(name) refuses to start with it, and netreach verify refuses that relay.")
                    return
                }
                let revocation = try OrganisationCeremony.revoke(name: try StaffName(name), reason: try RevocationReason(reason),
                                                                 keysDirectory: keys, privateKeyPath: privateKey, passphrase: secret,
                                                                 revoked: try KeyTimestamp.now())
                print("wrote \(keys)/revoked/\(revocation.fileName)")
                print("Deploy it now and reload the relay (SIGHUP): \(name)'s open connections close at once.")
            }
        }
    }

    /// `netreach org offboard NAME [--revoke --keys DIR --private-key FILE --reason TEXT]`
    struct Offboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-key every conversation a departed staff member could read (docs/KEYS.md, \"Offboarding\").",
            discussion: """
                Run by a supervisor, on their own machine, once the relay has NAME's revocation. Every conversation \
                whose current conversation key or staff key NAME held gets a new one (key.rotated events), wrapped to \
                the staff who remain and, for the conversation key, to the visitor: what is written from then on is \
                sealed with keys NAME never had, so a copy of their folder or of the log stops mattering. Older \
                messages stay readable with the older keys; erased conversations are left alone.

                With --revoke, writes the revocation first (as netreach org revoke does: the organisation key and \
                its passphrase are needed). The relay must then load it (deploy Keys/revoked, SIGHUP) before the \
                re-key: until it does, this refuses and re-keys nothing. Running it again re-keys only what is left.
                Exit status: 0 done, 1 refused or failed, 2 a usage error.

                Examples:
                  netreach org offboard sam
                  netreach org offboard sam --revoke --reason "left the project" --keys Keys \\
                    --private-key /media/usb/org.key
                """
        )

        @Argument(help: "The staff name of the person who left.") var name: String
        @Flag(help: "Write the revocation first (needs --keys, --private-key, --reason).") var revoke = false
        @Option(help: "With --revoke: the keyring folder.") var keys: String?
        @Option(help: "With --revoke: the encrypted organisation private key.") var privateKey: String?
        @Option(help: "With --revoke: why (kept in the revocation).") var reason: String?
        @Option(help: "With --revoke: a file holding the organisation key's passphrase (otherwise a prompt).") var orgPassphraseFile: String?
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try StaffName(name) } catch { throw ValidationError("NAME: \(error.message)") }
            if revoke {
                guard keys != nil, privateKey != nil, let reason else { throw ValidationError("--revoke needs --keys, --private-key and --reason") }
                do { _ = try RevocationReason(reason) } catch { throw ValidationError("--reason: \(error.message)") }
            } else if keys != nil || privateKey != nil || reason != nil || orgPassphraseFile != nil {
                throw ValidationError("--keys, --private-key, --reason and --org-passphrase-file go with --revoke")
            }
        }

        func run() async throws {
            try await failing("org offboard") {
                let leaver = try StaffName(name)
                if revoke, let keys, let privateKey, let reason {
                    let secret: SecureBytes
                    do {
                        // Never the staff passphrase's environment variable: the organisation key has its own.
                        secret = try Passphrase.obtain(file: orgPassphraseFile, environment: [:], prompt: "Passphrase of the organisation key: ")
                    } catch {
                        throw CommandFailure("\(error)")
                    }
                    let revocation = try OrganisationCeremony.revoke(name: leaver, reason: try RevocationReason(reason), keysDirectory: keys,
                                                                     privateKeyPath: privateKey, passphrase: secret, revoked: try KeyTimestamp.now())
                    print("wrote \(keys)/revoked/\(revocation.fileName)")
                }
                try await withWorkspace(passphrase) { workspace in
                    let outcome: OffboardWork.Outcome
                    do {
                        outcome = try await OffboardWork(work: ConversationWork(workspace: workspace)).run(leaving: leaver)
                    } catch let refusal as OffboardWork.Refusal {
                        if case .unknownName = refusal { throw UsageFailure(refusal.description) }
                        throw CommandFailure("org offboard: \(refusal.description)")
                    }
                    print("re-keyed \(outcome.rekeyed.count) conversation(s) that \(name) could read (\(outcome.rotations) new key(s)); "
                          + "\(outcome.alreadyRekeyed) re-keyed already; \(outcome.erased) erased, left alone")
                    for conversation in outcome.rekeyed.prefix(20) { print("  \(shortID(conversation))") }
                    if outcome.rekeyed.count > 20 { print("  … and \(outcome.rekeyed.count - 20) more") }
                }
            }
        }
    }
}
