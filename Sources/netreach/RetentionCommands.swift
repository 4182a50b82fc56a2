import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// `netreach policy [show]` and `netreach policy set …` (docs/PRIVACY.md, "Retention").
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show the retention policy in force, or sign a new one (supervisors).",
        subcommands: [Show.self, Set.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how long the deployment keeps messages, incident reports and alerts, and who set it.",
            discussion: "Example:\n  netreach policy show"
        )

        @OptionGroup var passphrase: PassphraseOptions

        func run() async throws {
            try await failing("policy") {
                try await withWorkspace(passphrase, allowOffline: true) { workspace in
                    let inForce = try await RetentionWork(workspace: workspace).policyInForce()
                    let policy = inForce.policy
                    print("retention policy in force\(inForce.fromRelay ? "" : " (offline: the last one your replica holds)"):")
                    print("  messages, notes and wrap-ups: \(policy.messagesDays) days after a conversation's last event")
                    print("  incident reports, consent and sharing records: \(policy.incidentsDays) days after it")
                    print("  safety alerts: \(policy.alertsDays) days after publication")
                    print("  staff keys for new chats: \(policy.keyPeriodWords), destroyed once what was wrapped to it is erased")
                    if let signedBy = inForce.signedBy {
                        print("  signed by \(signedBy)" + (inForce.since.map { " on \(utcClock($0))" } ?? ""))
                    } else {
                        print("  the deployment's default (its web configuration); no supervisor has signed another")
                    }
                    print("  content is erased only after the figures of its quarters are sealed (netreach report seal)")
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a new retention policy; the relay applies it from its next sweep (within the hour).",
            discussion: """
                Days count from a conversation's last event (its close, normally) and from an alert's publication; \
                each is 1 to 3650, and incident reports are kept at least as long as messages. A shorter time erases \
                what is now past it, for good, once its quarters' figures are sealed: there is no undo. \
                --key-period-days sets how long each staff member's key for new chats lasts (1 to 366 days; a \
                calendar month when left out): a shorter period lets a key be destroyed sooner once its chats are \
                erased (docs/KEYS.md, "Period keys"). A new length takes over when the keys made already end.

                Example:
                  netreach policy set --messages-days 180 --incidents-days 730 \\
                    --alerts-days 365
                """
        )

        @Option(help: "Days to keep messages, notes, transfers, wrap-ups and feedback.") var messagesDays: Int
        @Option(help: "Days to keep incident reports, consent and sharing records (at least --messages-days).") var incidentsDays: Int
        @Option(help: "Days to keep each safety alert in the public feed.") var alertsDays: Int
        @Option(help: "Days each staff key for new chats lasts (1-366; default: a calendar month).") var keyPeriodDays: Int?
        @OptionGroup var passphrase: PassphraseOptions

        func policy() throws -> RetentionPolicy {
            do {
                return try RetentionPolicy(messagesDays: messagesDays, incidentsDays: incidentsDays, alertsDays: alertsDays,
                                           keyPeriodDays: keyPeriodDays)
            } catch {
                throw ValidationError(error.message)
            }
        }

        func validate() throws { _ = try policy() }

        func run() async throws {
            try await failing("policy set") {
                let policy = try policy()
                try await withWorkspace(passphrase) { workspace in
                    try requireSupervisor(workspace, for: "policy set")
                    let work = RetentionWork(workspace: workspace)
                    let before = try? await work.policyInForce().policy
                    try await work.setPolicy(policy)
                    print("retention policy signed and stored: \(policy)")
                    if let before, policy.messagesDays < before.messagesDays || policy.incidentsDays < before.incidentsDays
                        || policy.alertsDays < before.alertsDays {
                        print("  shorter than before (\(before)): what is now past its time goes at the relay's next sweep, "
                              + "once its quarters' figures are sealed")
                    }
                }
            }
        }
    }
}

/// `netreach erase ID --reason R --yes` (docs/PRIVACY.md, "Erasure").
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Order the relay to erase a conversation's content now, for good (supervisors).",
        discussion: """
            The relay zeroes every event of the conversation on its disk and records, signed, what it erased and \
            why; every staff replica does the same when it catches up. Who did what and when stays in the audit, \
            without content. Nothing more can be added to the conversation. It does not reach what already left: \
            a police package sent, an alert published, a screenshot. \
            Reasons: \(ErasureRequest.Reason.allCases.filter { $0 != .visitorRequest }.map(\.rawValue).joined(separator: ", ")).

            Example:
              netreach erase 3f9a0c1e --reason data-subject-request --yes
            """
    )

    @Argument(help: "The conversation id, or a unique prefix of it.") var id: String
    @Option(help: "Why (see above).") var reason: String
    @Flag(help: "Yes: erase it for good.") var yes = false
    @OptionGroup var passphrase: PassphraseOptions

    func parsedReason() throws -> ErasureRequest.Reason {
        guard let reason = ErasureRequest.Reason(rawValue: reason), reason != .visitorRequest else {
            throw ValidationError("--reason is one of " + ErasureRequest.Reason.allCases.filter { $0 != .visitorRequest }.map(\.rawValue)
                .joined(separator: ", ") + " (visitor-request is the visitor's own, from the page)")
        }
        return reason
    }

    func validate() throws {
        _ = try parsedReason()
        guard yes else {
            throw ValidationError("erasing a conversation cannot be undone: repeat with --yes to erase it; nothing was done")
        }
    }

    func run() async throws {
        try await failing("erase") {
            let reason = try parsedReason()
            try await withWorkspace(passphrase) { workspace in
                try requireSupervisor(workspace, for: "erase")
                let conversation = try await ConversationWork(workspace: workspace).conversation(matching: id)
                let count = try await RetentionWork(workspace: workspace).erase(conversation, reason: reason)
                print("conversation \(Hex.encode(conversation.bytes).prefix(8)) erased: the relay zeroed \(count) event(s) and recorded why "
                      + "(\(reason.rawValue)); your replica has let them go too")
            }
        }
    }
}

extension ReportCommand {
    /// `netreach report seal --quarter 2026Q3` (supervisors)
    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seal",
            abstract: "Seal a finished quarter's figures, so that its report can be made again after its content expires.",
            discussion: """
                The figures are computed here as for report quarterly, sealed for every supervisor, and stored at the \
                relay; the relay learns only which quarter was sealed. Until a quarter is sealed, the relay erases \
                none of its content by the retention policy. A quarter is sealed once, after it has ended.

                Example:
                  netreach report seal --quarter 2026Q3
                """
        )

        @Option(help: "The quarter, e.g. 2026Q3 (UTC).") var quarter: String
        @Flag(help: "Seal although your key cannot read some wrap-ups or reports (they are left out, and the figures say how many).")
        var allowUnreadable = false
        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { _ = try Quarter(quarter) } catch { throw ValidationError(error.message) }
        }

        func run() async throws {
            try await failing("report seal") {
                let quarter = try Quarter(quarter)
                guard quarter.end <= nowMilliseconds() else {
                    throw CommandFailure("report seal: \(quarter) is not over yet; its figures are sealed once it has ended (nothing was stored)")
                }
                try await withWorkspace(passphrase) { workspace in
                    try requireSupervisor(workspace, for: "report seal")
                    let retention = RetentionWork(workspace: workspace)
                    if let sealed = try await retention.sealedFigures(quarter) {
                        throw CommandFailure("report seal: \(quarter) was sealed already, by \(sealed.sealedBy) on \(utcClock(sealed.at)); "
                                             + "nothing was stored")
                    }
                    let figures = try await Quarterly.computed(quarter, workspace: workspace)
                    if figures.unreadable > 0 && !allowUnreadable {
                        throw CommandFailure("report seal: your key cannot read \(figures.unreadable) wrap-up(s) or report(s) of \(quarter); "
                                             + "nothing was stored. A colleague who can read them can share them with you, or "
                                             + "--allow-unreadable seals without them (the figures say how many)")
                    }
                    try await retention.seal(figures)
                    print("the figures of \(quarter) are sealed (\(figures.contacts) contacts, \(figures.incidents) incident(s)); "
                          + "report quarterly uses them from now on")
                }
            }
        }
    }
}
