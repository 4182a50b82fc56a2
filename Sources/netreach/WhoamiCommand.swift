import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach whoami`: which staff key this machine holds, and its fingerprint.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show your staff name, key id and fingerprint (no passphrase needed).",
        discussion: """
            Read the fingerprint aloud at your enrolment; the organisation compares it with the one it is about to sign.

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
                ("name", key.name.text), ("key id", key.keyID.description), ("fingerprint", key.fingerprint.description),
                ("folder", home.path), ("relay", settings?.relay ?? "(not logged in)"),
            ]
            printRecord(rows, format: format)
        }
    }
}
