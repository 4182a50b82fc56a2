import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine

extension NetreachRelayCommand.Log {
    /// `netreach-relay log verify`: walks the whole log and reports its head or its first damage.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record's checksum, payload hash and the hash chain; print the head.",
            discussion: """
                Reads the segment files without changing them; safe on a running relay's log.
                Exits 0 when the log is intact, 1 on any damage (with the position and segment).

                Example:
                  netreach-relay log verify --data-dir /var/lib/netreach/log --format json
                """
        )

        @Option(help: "The relay's data directory (the segment files).")
        var dataDir: String

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard format != .csv else { throw ValidationError("--format takes table or json") }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--data-dir \(dataDir) is not a directory")
            }
        }

        func run() async throws {
            let result: LogVerification
            do {
                result = try LogVerifier.verify(directory: dataDir)
            } catch {
                printToStandardError("log verify: DAMAGED: \(error)")
                if format == .json {
                    print(json(["status": "damaged", "code": error.code.name, "message": error.message,
                                "position": error.position.map { "\($0)" } ?? "", "segment": error.segment ?? ""]))
                }
                throw ExitCode.failure
            }
            let headPosition = result.head.count == 0 ? "none" : "\(result.head.count - 1)"
            switch format {
            case .json:
                print(json(["status": "ok", "logID": "\(result.head.logID)", "events": "\(result.head.count)",
                            "headPosition": headPosition, "chain": "\(result.head.chain)", "segments": "\(result.segments)",
                            "redacted": "\(result.redactedEvents)", "incompleteTailBytes": "\(result.incompleteTailBytes)"]))
            default:
                print("""
                    log verified: \(dataDir)
                      log id            \(result.head.logID)
                      events            \(result.head.count)
                      head position     \(headPosition)
                      head chain        \(result.head.chain)
                      segments          \(result.segments)
                      redacted events   \(result.redactedEvents)
                    """)
            }
            if result.incompleteTailBytes > 0 {
                printToStandardError("note: \(result.incompleteTailBytes) bytes at the end are not a whole batch "
                    + "(a torn tail the next open cuts, or an append in progress)")
            }
        }

        private func json(_ fields: [String: String]) -> String {
            let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
