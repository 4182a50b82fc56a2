import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach police-export INCIDENT --shared-with TEXT [--out FILE]`
struct PoliceExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "police-export",
        abstract: "Make the police sharing package of an incident, if its consent allows, and record that it was shared.",
        discussion: """
            Refused at consent 1 or 2. At 3 the package holds nothing that identifies the reporter; at 4 it adds \
            their account and how the police may contact them. The consent is read from the relay's log just \
            before; the sharing is recorded (who, when, to whom, a digest of the package) before the package is \
            written. Without --out the package is printed.

            Example:
              netreach police-export 9c41d2aa --shared-with \\
                "West Yorkshire Police, PC 1234" --out package.txt
            """
    )

    @Argument(help: "The incident id, or a unique prefix of it (see netreach incidents).") var id: String
    @Option(help: "Who it goes to: a force, an officer, a reference.") var sharedWith: String
    @Option(help: "Write the package to this file (it must not exist yet).") var out: String?
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        guard !sharedWith.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("say who it is shared with") }
        guard sharedWith.utf8.count <= 500 else { throw ValidationError("--shared-with is at most 500 bytes") }
        if let out, FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) exists already; name a new file") }
    }

    func run() async throws {
        try await failing("police-export") {
            try await withWorkspace(passphrase) { workspace in
                let work = IncidentWork(workspace: workspace)
                let record = try await work.incident(matching: id)
                let package = try await work.policeExport(record.id, sharedWith: sharedWith)
                if let out {
                    guard FileManager.default.createFile(atPath: out, contents: Data(package.text.utf8), attributes: [.posixPermissions: 0o600])
                    else { throw CommandFailure("cannot write \(out); the sharing is recorded, run police-export again with another --out") }
                    print("incident \(record.id.shortID): package written to \(out) (consent \(package.level.rawValue)); sharing recorded")
                } else {
                    print(package.text, terminator: "")
                }
            }
        }
    }
}
