import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach whoami`: which staff key this machine holds, and its fingerprint.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show your staff name, role, key id and fingerprint (no passphrase needed).",
        discussion: """
            Read the fingerprint aloud at your enrolment; the organisation compares it with the one it is about to sign. \
            The role is read from the relay's keyring, verified under the organisation key, once you have logged in; \
            when that cannot be done the role says why instead.

            Example:
              netreach whoami
            """
    )

    @Option(help: "Which staff key, when this folder holds more than one.") var name: String?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() async throws {
        try await failing("whoami") {
            let home = try netreachHome()
            let key = try StaffCredentials.loadPublic(home: home, name: name)
            let settings = try? ClientSettings.load(home: home)
            let rows: [(String, String)] = [
                ("name", key.name.text), ("role", await Self.role(of: key.keyID, home: home, relay: settings?.relay)),
                ("key id", key.keyID.description), ("fingerprint", key.fingerprint.description),
                ("folder", home.path), ("relay", settings?.relay ?? "(not logged in)"),
            ]
            printRecord(rows, format: format)
        }
    }

    /// The role the organisation enrolled `keyID` with, from the relay's verified keyring, or why it is not known.
    static func role(of keyID: KeyID, home: NetreachHome, relay: String?) async -> String {
        guard let relay else { return "(not known until you log in)" }
        do {
            let organisation = try OrganisationPublicKey(parsing: try KeyFileStorage.read(path: home.organisationKeyPath),
                                                         fileName: home.organisationKeyPath)
            let keyring = try await StaffSession.keyring(relay: relay, organisation: organisation)
            if let member = keyring.member(keyID: keyID) { return member.role.rawValue }
            return keyring.certificates.contains { $0.keyID == keyID } ? "(revoked)" : "(not enrolled in the relay's keyring)"
        } catch {
            return "(not known: \(error))"
        }
    }
}
