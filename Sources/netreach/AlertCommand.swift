import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach alert draft|publish|list`
struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Draft, publish and list the safety alerts of the organisation's public feed.",
        subcommands: [Draft.self, Publish.self, List.self, Withdraw.self]
    )

    struct Draft: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an alert draft made from an incident, to review and edit before publishing.",
            discussion: """
                The draft has the month (not the day), the area, what happened, the description as the summary, \
                and the identifiers in the clear. Edit the summary so that nothing in it points to the reporter; \
                you may remove identifiers, not add them. Keep the file on your own machine and delete it after.

                Example:
                  netreach alert draft 9c41d2aa --out alert.json && nano alert.json && \\
                    netreach alert publish alert.json
                """
        )

        @Argument(help: "The incident id, or a unique prefix of it.") var id: String
        @Option(help: "Write the draft to this file (it must not exist yet) instead of printing it.") var out: String?
        @OptionGroup var passphrase: PassphraseOptions

        func run() async throws {
            try await failing("alert draft") {
                try await withWorkspace(passphrase) { workspace in
                    let record = try await IncidentWork(workspace: workspace).incident(matching: id)
                    guard record.consent.allowsAlert else {
                        throw CommandFailure("incident \(record.id.shortID) has consent \(record.consent.summary); an alert needs level 2 or more")
                    }
                    let text = try AlertDraft(record: record).text + "\n"
                    if let out {
                        guard !FileManager.default.fileExists(atPath: out),
                              FileManager.default.createFile(atPath: out, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
                        else { throw CommandFailure("cannot write \(out) (it must not exist yet)") }
                        print("draft written to \(out)")
                    } else {
                        print(text, terminator: "")
                    }
                }
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign and publish a reviewed draft to the public feed (consent 2 or more, read just before).",
            discussion: """
                The identifiers are replaced by salted hashes here: the feed never holds them in the clear.

                Example:
                  netreach alert publish alert.json
                """
        )

        @Argument(help: "The draft file ('-' for standard input).") var file: String
        @OptionGroup var passphrase: PassphraseOptions

        func draft() throws -> AlertDraft {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            guard let data, let text = String(data: data, encoding: .utf8) else { throw ValidationError("cannot read \(file)") }
            do {
                return try AlertDraft(text: text.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                throw ValidationError("\(file): \(error.message)")
            }
        }

        func run() async throws {
            try await failing("alert publish") {
                let draft = try draft()
                try await withWorkspace(passphrase) { workspace in
                    let alert = try await IncidentWork(workspace: workspace).publish(draft)
                    print("alert published: \(alert.month) \(alert.area), \(alert.hashes.count) identifier(s) hashed")
                }
            }
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a published alert now (supervisors): the relay erases it from the public feed.",
            discussion: """
                For an alert that should not be out: it points to the reporter, the reporter withdrew consent, it is wrong. \
                The relay zeroes it and records, signed, that a supervisor withdrew it; pages and checkers stop \
                showing it at their next look. It cannot reach a copy someone already made. \
                Reasons: \(ErasureRequest.Reason.allCases.filter { $0 != .visitorRequest }.map(\.rawValue).joined(separator: ", ")).

                Example:
                  netreach alert withdraw 1234 --reason safeguarding --yes
                """
        )

        @Argument(help: "The alert's position, as netreach alert list shows it.") var position: UInt64
        @Option(help: "Why (see above).") var reason: String
        @Flag(help: "Yes: withdraw it for good.") var yes = false
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            guard let reason = ErasureRequest.Reason(rawValue: reason), reason != .visitorRequest else {
                throw ValidationError("--reason is one of " + ErasureRequest.Reason.allCases.filter { $0 != .visitorRequest }.map(\.rawValue)
                    .joined(separator: ", "))
            }
            guard yes else { throw ValidationError("withdrawing an alert cannot be undone: repeat with --yes; nothing was done") }
        }

        func run() async throws {
            try await failing("alert withdraw") {
                try await withWorkspace(passphrase) { workspace in
                    try requireSupervisor(workspace, for: "alert withdraw")
                    try await RetentionWork(workspace: workspace).withdrawAlert(at: position, reason: ErasureRequest.Reason(rawValue: reason)!)
                    print("alert \(position) withdrawn: the relay erased it from the feed and recorded why (\(reason))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the feed's alerts, newest first; only alerts that verify against the keyring are shown.",
            discussion: "Example:\n  netreach alert list"
        )

        @Option(help: "table, json or csv.") var format: OutputFormat = .table
        @OptionGroup var passphrase: PassphraseOptions

        func run() async throws {
            try await failing("alert list") {
                try await withWorkspace(passphrase) { workspace in
                    let (alerts, unverified) = try await IncidentWork(workspace: workspace).feed()
                    printTable(header: ["position", "month", "area", "what", "signed by", "summary"], rows: alerts.map(\.verified).map {
                        [String($0.position), $0.alert.month, $0.alert.area, $0.alert.harms.map(\.rawValue).joined(separator: " "),
                         $0.signer, $0.alert.summary]
                    }, format: format)
                    if unverified > 0 { printToStandardError("netreach: alert list: \(unverified) alert(s) in the feed did not verify and are not shown") }
                }
            }
        }
    }
}
