import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine

extension NetreachRelayCommand.Log {
    /// `netreach-relay log cut-tail`: break glass, when the log is damaged where it was durable.
    struct CutTail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cut-tail",
            abstract: "Break glass: discard acknowledged records from a damaged last segment (saved to a file first).",
            discussion: """
                Almost never needed. After a power cut the relay cuts a torn last write by itself (it was
                never acknowledged) and starts. It refuses to start only when records that were stored
                and acknowledged are damaged ("damage to durable data … (position P) [segment S]"):
                restore the data directory from a backup then (docs/OPERATIONS.md). If there is no
                backup and the service must run, this cuts the last segment at P: everything from P on,
                the damaged record and the acknowledged records after it, is saved to
                DATA_DIR/cut-tail-P.bin and removed from the log, and the count of discarded records is
                printed. Refused while the relay runs, when the log opens as it is, unless the open stops
                on damage at exactly P in the last segment, and unless --discard-acknowledged is given.
                Run `log verify` afterwards; checkpoints signed after P no longer match.

                Example:
                  netreach-relay log cut-tail --data-dir /var/lib/netreach/log --at 52113 --discard-acknowledged
                """
        )

        @Option(help: "The relay's data directory (the segment files).")
        var dataDir: String

        @Option(help: "The position where opening the log stops on damage (from the relay's error).")
        var at: UInt64

        @Flag(help: "Agree that acknowledged records from --at on are removed from the log (they are saved to a file first).")
        var discardAcknowledged = false

        func run() async throws {
            do {
                let cut = try LogTailCut.cut(directory: dataDir, at: at, discardAcknowledged: discardAcknowledged)
                print("""
                    cut the log at position \(cut.position): \(cut.bytesCut) bytes from offset \(cut.offset) of \(cut.segment)
                      discarded         the damaged record and \(cut.recordsDiscarded) whole record(s) after it
                      saved as          \(dataDir)/\(cut.savedAs)
                      events now        \(cut.eventsAfter)
                    """)
                if cut.recovery.tornRecordsCut > 0 {
                    print("  the open also cut \(cut.recovery.tornRecordsCut) records of the batch the damage was in")
                }
            } catch {
                printToStandardError("log cut-tail: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
