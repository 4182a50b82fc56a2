import ArgumentParser
import NetreachCommandLine
import NetreachCore

/// `netreach`: the staff client for outreach workers and supervisors.
@main
struct NetreachCommand: RootCommand {
    static let configuration = CommandConfiguration(
        commandName: "netreach",
        abstract: "The Netreach staff client: keys, inbox, chat, reports.",
        discussion: """
            Plaintext exists only in memory on this machine; the relay sees ciphertext.

            Example:
              netreach staff init --name sam
              netreach whoami
            """,
        version: NetreachVersion.current,
        subcommands: [
            OrgCommand.self, StaffCommand.self, WhoamiCommand.self, LoginCommand.self, StatusCommand.self,
            InboxCommand.self, ClaimCommand.self, ChatCommand.self, SendCommand.self, TranscriptCommand.self, NoteCommand.self,
            TransferCommand.self, CloseCommand.self, CannedCommand.self, HandoverCommand.self,
            ReportCommand.self, ConsentCommand.self, IncidentsCommand.self, PoliceExportCommand.self, AlertCommand.self, CheckCommand.self,
            ReferralsCommand.self, AuditCommand.self, VerifyCommand.self, PolicyCommand.self, EraseCommand.self, GrantCommand.self, UnlockCommand.self, LockCommand.self, AgentCommand.self,
        ]
    )
}
