import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine

extension NetreachRelayCommand {
    /// `netreach-relay backup`: copies the live log into a backup directory, incrementally, with a signed manifest.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the event log into a backup directory: only what is new, ending at a whole record, with a manifest signed by the relay key.",
            discussion: """
                Safe while the relay runs. The first backup into a directory copies
                every segment; later ones copy only the records appended since.
                What is copied is checked as recovery would (checksums, payload
                hashes, the chain from the previous backup's head) and ends at the
                last whole batch, never inside a record being written. The whole
                backup is verified, and only then is the manifest, signed by the
                relay key, replaced: a backup that fails leaves the previous one
                whole. Exit 0 on success, 1 on any failure (naming the path).
                docs/OPERATIONS.md, "Backups".

                Example:
                  netreach-relay backup --data-dir /var/lib/netreach/log \\
                    --to /var/backups/netreach \\
                    --relay-key /etc/netreach/relay.key \\
                    --passphrase-file /etc/netreach/relay.passphrase
                """
        )

        @Option(help: "The relay's data directory (the segment files).")
        var dataDir: String

        @Option(help: "The backup directory (made if missing; its parent must exist).")
        var to: String

        @OptionGroup var key: RelayKeyOptions

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard format != .csv else { throw ValidationError("--format takes table or json") }
        }

        func run() async throws {
            guard FileManager.default.fileExists(atPath: dataDir) else {
                printToStandardError("backup: \(dataDir): the data directory does not exist (missingDirectory)")
                throw ExitCode.failure
            }
            let signing = try key.load(command: "backup")
            let started = ContinuousClock.now
            let report: BackupReport
            do {
                report = try LogBackup.backup(dataDirectory: dataDir, to: to, key: signing,
                                              nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
            } catch {
                printToStandardError("backup: FAILED: \(error)")
                printToStandardError("backup: the previous backup in \(to), if any, is unchanged")
                throw ExitCode.failure
            }
            let elapsed = ContinuousClock.now - started
            let head = report.manifest.head
            let headPosition = head.count == 0 ? "none" : "\(head.count - 1)"
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            switch format {
            case .json:
                let fields: [String: Any] = ["status": "ok", "backup": to, "logID": "\(head.logID)", "events": head.count,
                                             "headPosition": headPosition, "chain": "\(head.chain)", "segments": report.manifest.segments.count,
                                             "bytesCopied": report.bytesCopied, "totalBytes": report.totalBytes,
                                             "incremental": report.extendedPrevious, "milliseconds": milliseconds,
                                             "erasedInCopies": report.erasedInCopies]
                let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            default:
                print("""
                    backup written and verified: \(to)
                      log id            \(head.logID)
                      events            \(head.count)
                      head position     \(headPosition)
                      head chain        \(head.chain)
                      segments          \(report.manifest.segments.count)
                      bytes copied      \(report.bytesCopied) of \(report.totalBytes)\(report.extendedPrevious ? " (incremental)" : " (first backup)")
                      erased since      \(report.erasedInCopies) record(s) zeroed in the copies, as the log zeroed them
                      took              \(milliseconds) ms
                    """)
            }
        }
    }
}
