import ArgumentParser
import EventLog
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// `netreach verify [--save-checkpoint FILE] [--against FILE]` (supervisors)
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove the relay's log was only appended to: its chain, its signed checkpoints, your replica, a saved checkpoint.",
        discussion: """
            Checks your replica's own files (checksums, chain) and every event's signature; then fetches every record \
            of the relay's log, recomputes its hash chain from the first, checks that the log holds exactly the events \
            of your replica, and that every checkpoint the relay signed in it is true. With --against FILE, the log must \
            extend the checkpoint saved there (same relay key, same history up to it). With --save-checkpoint FILE, the \
            latest checkpoint the relay signed is written there, to check against later or to give to a funder. \
            Exit status: 0 intact, 1 a problem (the first one is named, with its position). Supervisors only.

            Example:
              netreach verify --against q2-checkpoint.txt --save-checkpoint \\
                q3-checkpoint.txt
            """
    )

    @Option(help: "Write the latest relay-signed checkpoint to this file (it must not exist yet).") var saveCheckpoint: String?
    @Option(help: "A checkpoint saved earlier that the log must extend.") var against: String?
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        if let saveCheckpoint, FileManager.default.fileExists(atPath: saveCheckpoint) {
            throw ValidationError("\(saveCheckpoint) exists already; name a new file")
        }
        _ = try saved()
    }

    func saved() throws -> SavedCheckpoint? {
        guard let against else { return nil }
        guard let data = FileManager.default.contents(atPath: against), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read \(against)")
        }
        do { return try SavedCheckpoint(text: text) } catch { throw ValidationError("\(against): \(error.message)") }
    }

    func run() async throws {
        let saved = try saved()
        let verdict = try await failing("verify") {
            try await withWorkspace(passphrase) { workspace -> RelayLogVerification.Verdict in
                try requireSupervisor(workspace, for: "verify")
                do {
                    return try await RelayLogVerification.run(workspace: workspace, saved: saved?.checkpoint)
                } catch let problem as RelayLogCheck.Problem {
                    throw CommandFailure("verify: DAMAGED \(problem)")
                }
            }
        }
        let check = verdict.check
        let relay = Fingerprint(signKey: check.relayKey)
        if let problem = verdict.problem {
            printToStandardError("netreach: verify: DAMAGED \(problem)")
            printToStandardError("  checked \(check.count) of the relay's \(verdict.head.count) records before the problem; relay key \(relay)")
            if let copyProblem = verdict.copyProblem { printToStandardError("netreach: verify: note: \(copyProblem)") }
            throw ExitCode.failure
        }
        print("intact: the relay's log of \(verdict.head.count) records is one unbroken hash chain from the first;")
        print("  it holds exactly the \(verdict.replicaEvents) events of your replica, each signed by its author;")
        if !check.erasedEvents.isEmpty || check.erasureRecords > 0 {
            print("  \(check.erasedEvents.count) event(s) were erased (payload zeroed, hash kept in the chain), each listed by one of "
                  + "\(check.erasureRecords) erasure record(s) the relay signed (netreach audit --action content-erased);")
        }
        if check.listedNotYetErased > 0 {
            printToStandardError("netreach: verify: note: \(check.listedNotYetErased) event(s) an erasure record lists are not zeroed on the "
                                 + "relay yet (an erasure a restart interrupted); its next retention sweep finishes them")
        }
        print("  \(check.checkpoints.count) checkpoint(s) signed by the relay's key \(relay) are true;")
        print("  head: \(verdict.head)")
        if let problem = verdict.copyProblem {
            printToStandardError("netreach: verify: note: \(problem)")
        } else {
            print("  your copy of the relay's log holds \(verdict.copiedRecords) records (for `netreach-relay restore --from-replica`)")
            if verdict.copyErased > 0 { print("  \(verdict.copyErased) record(s) of your copy were zeroed as the relay erased them") }
        }
        if let saved, let against {
            print("  it extends the checkpoint saved in \(against) (\(saved.checkpoint.head.count) records): nothing before it was changed")
        }
        if let saveCheckpoint {
            guard let latest = check.checkpoints.last else {
                throw CommandFailure("verify: the relay has not signed a checkpoint yet (it does every 5 minutes while events arrive, "
                                     + "and when it stops); nothing was saved, try again later")
            }
            guard FileManager.default.createFile(atPath: saveCheckpoint, contents: Data(SavedCheckpoint(latest).text.utf8)) else {
                throw CommandFailure("verify: cannot write \(saveCheckpoint)")
            }
            print("  the latest signed checkpoint (\(latest.head.count) records) is saved in \(saveCheckpoint)")
        }
    }
}
