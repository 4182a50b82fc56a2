import ArgumentParser
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach close ID --topic T… --referral R… --outcome O [--repeat|--new]`
struct CloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a conversation with its wrap-up (topics, referrals, outcome), which feeds the monitoring report.",
        discussion: """
            A conversation a colleague has is refused (exit 1, naming them) unless you say --as-colleague. \
            Topics: \(WrapUp.Topic.allCases.map(\.name).joined(separator: ", ")). \
            Referrals: \(WrapUp.Referral.allCases.map(\.name).joined(separator: ", ")). \
            Outcomes: \(WrapUp.Outcome.allCases.map(\.name).joined(separator: ", ")). \
            Age band, gender and work setting are optional and recorded only as the visitor chose to say. \
            The wrap-up is encrypted for staff; the visitor sees only that the chat closed.

            Example:
              netreach close 3f9a0c1e --topic violence --topic safety-advice --referral \\
                advocacy-isva --outcome referred --new
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Option(name: .customLong("topic"), help: "A topic (repeat for several).") var topics: [String] = []
    @Option(name: .customLong("referral"), help: "A referral made (repeat for several).") var referrals: [String] = []
    @Option(help: "The outcome.") var outcome: String
    @Flag(name: .customLong("repeat"), help: "The visitor has been in touch before.") var isRepeat = false
    @Flag(name: .customLong("new"), help: "First contact.") var isNew = false
    @Option(help: "Age band, only if the visitor said: \(WrapUp.AgeBand.names.joined(separator: ", ")).") var age: String?
    @Option(help: "Gender, only if the visitor said: \(WrapUp.Gender.names.joined(separator: ", ")).") var gender: String?
    @Option(help: "Work setting, only if the visitor said: \(WrapUp.WorkSetting.names.joined(separator: ", ")).") var workSetting: String?
    @Flag(help: "Do it although a colleague has the conversation, on purpose (netreach audit shows it).") var asColleague = false
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        guard isRepeat != isNew else { throw ValidationError("say whether this is a --new or a --repeat contact (one of them)") }
        _ = try wrapUp()
    }

    func wrapUp() throws -> WrapUp {
        do {
            return try WrapUp.parse(topics: topics, referrals: referrals, outcome: outcome, contact: isRepeat ? .repeat : .new,
                                    age: age, gender: gender, workSetting: workSetting)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        try await failing("close") {
            let wrapUp = try wrapUp()
            try await withWorkspace(passphrase) { workspace in
                let work = ConversationWork(workspace: workspace, asColleague: asColleague)
                let conversation = try await work.conversation(matching: id)
                try await work.close(conversation, wrapUp: wrapUp)
                print("closed \(shortID(conversation))")
            }
        }
    }
}
