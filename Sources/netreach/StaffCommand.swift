import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach staff …`: a staff member's own keys.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Your own staff keys.",
        subcommands: [Init.self]
    )

    /// `netreach staff init --name NAME`
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make your staff keys: the private halves encrypted with your passphrase, NAME.pub to take to the organisation.",
            discussion: """
                Writes $NETREACH_HOME/NAME.key (encrypted: Argon2id + secretbox) and $NETREACH_HOME/NAME.pub, \
                and prints the fingerprint you will read aloud at your enrolment (Keys/README.md).

                Example:
                  netreach staff init --name sam
                """
        )

        @Option(help: "Your staff name: lower-case letters, digits and '-', as the organisation will enrol it.") var name: String
        @Option(help: "Key-derivation cost: interactive, moderate (default) or sensitive.") var kdf: KDFStrength = .moderate
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try StaffName(name) } catch { throw ValidationError("--name: \(error.message)") }
        }

        func run() async throws {
            try await failing("staff init") {
                let home = try netreachHome()
                let secret = try passphrase.obtain(prompt: "New passphrase for \(name)'s key: ", isNew: true)
                let credentials = try StaffCredentials.create(name: try StaffName(name), home: home, passphrase: secret, limits: kdf.limits)
                print("made the staff keys of \(name)")
                print("  private (encrypted): \(home.privateKeyPath(credentials.name))")
                print("  public, for enrolment: \(home.publicKeyPath(credentials.name))")
                print("  fingerprint: \(credentials.fingerprint)")
                print("Take \(name).pub to the organisation and read this fingerprint aloud when you are enrolled.")
            }
        }
    }
}
