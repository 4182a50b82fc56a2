import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach check VALUE [--kind phone|email|plate|handle]`
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a phone number, email, username or plate against the alerts, on this machine.",
        discussion: """
            The value is normalised and hashed here and compared with the feed your replica holds: the relay \
            never learns what was checked. Without --kind, a value with @ is an email, one of mostly digits a \
            phone number, platform:name a username, anything else a plate. Exit status: 0 no match, 3 a match.

            Example:
              netreach check "07700 900123"
              netreach check "ab12 cde" --kind plate
            """
    )

    @Argument(help: "What to check.") var value: String
    @Option(help: "phone, email, handle or plate.") var kind: String?
    @OptionGroup var passphrase: PassphraseOptions

    func identifier() throws -> PerpetratorIdentifier {
        let result = Result { () throws(IncidentError) in try Self.identifier(value, kind: kind) }
        switch result {
        case .success(let identifier): return identifier
        case .failure(let error): throw ValidationError(error.message)
        }
    }

    /// The identifier `value` names, of `kind` or of the kind it looks like.
    static func identifier(_ value: String, kind name: String?) throws(IncidentError) -> PerpetratorIdentifier {
        let kind: PerpetratorIdentifier.Kind
        if let name {
            kind = try IncidentReport.term(name, field: "kind")
        } else if value.contains("@") {
            kind = .email
        } else if value.contains(":") {
            kind = .handle
        } else if value.filter(\.isNumber).count >= 8 {
            kind = .phone
        } else {
            kind = .plate
        }
        return try PerpetratorIdentifier(parsing: value, kind: kind)
    }

    func validate() throws { _ = try identifier() }

    func run() async throws {
        let identifier = try identifier()
        let (matches, checked, unverified) = try await failing("check") {
            try await withWorkspace(passphrase) { workspace in try await IncidentWork(workspace: workspace).check(identifier) }
        }
        if unverified > 0 {
            printToStandardError("netreach: check: \(unverified) alert(s) in the feed did not verify and were not checked (see netreach alert list)")
        }
        guard !matches.isEmpty else {
            // How many were checked, so that "no alert" over an empty feed is never read as an all-clear.
            print("no verified alert names this \(identifier.kind.rawValue) (\(checked) verified alert(s) checked"
                  + (unverified > 0 ? "; \(unverified) did not verify and were not checked)" : ")"))
            return
        }
        print("WARNING: \(matches.count) alert(s) name this \(identifier.kind.rawValue):")
        for match in matches {
            print("  \(match.alert.month) \(match.alert.area): \(match.alert.harms.map(\.label).joined(separator: ", "))"
                  + (match.alert.summary.isEmpty ? "" : " — \(match.alert.summary)"))
        }
        throw ExitCode(3)
    }
}
