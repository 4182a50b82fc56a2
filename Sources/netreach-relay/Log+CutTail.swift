import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine

extension NetreachRelayCommand.Log {
    /// `netreach-relay log cut-tail`: after a power cut left the last group half on disk.
    struct CutTail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cut-tail",
            abstract: "Cut the log's last segment at a damaged record, keeping the cut bytes in a file.",
            discussion: """
                For a relay that will not start after a power cut because the last write was only partly
                on disk ("damaged record … (position P) [segment S]"). Everything from position P to the end
                of the last segment is saved to DATA_DIR/cut-tail-P.bin and cut; nothing before it is
                touched. Refused while the relay runs, when the log opens as it is, and unless the open
                stops on damage at exactly position P in the last segment. Records cut here were never
                acknowledged if a power cut caused the damage; if the disk damaged them instead, they are
                in the saved file. Run `log verify` afterwards. See docs/OPERATIONS.md.

                Example:
                  netreach-relay log cut-tail --data-dir /var/lib/netreach/log --at 52113
                """
        )

        @Option(help: "The relay's data directory (the segment files).")
        var dataDir: String

        @Option(help: "The position where opening the log stops on damage (from the relay's error).")
        var at: UInt64

        func run() async throws {
            do {
                let cut = try LogTailCut.cut(directory: dataDir, at: at)
                print("""
                    cut the log at position \(cut.position): \(cut.bytesCut) bytes from offset \(cut.offset) of \(cut.segment)
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
