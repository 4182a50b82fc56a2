import ArgumentParser
import EventLog
import EventLogPostgres
import Foundation
import Logging
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
        var dataDir: String?

        @Option(help: "The relay's log in PostgreSQL instead: postgresql://USER@HOST[:PORT]/DATABASE.")
        var store: String?

        @Option(help: "A file holding the database user's password (else NETREACH_STORE_PASSWORD, else none).")
        var storePasswordFile: String?

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard format != .csv else { throw ValidationError("--format takes table or json") }
            guard (dataDir == nil) != (store == nil) else { throw ValidationError("give --data-dir or --store, one of the two") }
            if let store {
                do { _ = try PostgresLocation(url: store) } catch { throw ValidationError("--store: \(error.message)") }
                return
            }
            guard storePasswordFile == nil else { throw ValidationError("--store-password-file goes with --store") }
            var isDirectory: ObjCBool = false
            guard let dataDir, FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--data-dir \(dataDir ?? "") is not a directory")
            }
        }

        func run() async throws {
            if let store { return try await verifyDatabase(store) }
            let dataDir = dataDir ?? ""
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

        /// The log in PostgreSQL, checked through the store: positions, versions, ids, payload hashes, the chain.
        private func verifyDatabase(_ address: String) async throws {
            let location = try PostgresLocation(url: address)
            var password = ProcessInfo.processInfo.environment["NETREACH_STORE_PASSWORD"]
            if let file = storePasswordFile {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    printToStandardError("log verify: the store password file \(file) cannot be read")
                    throw ExitCode.failure
                }
                password = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .newlines)
            }
            let result: StoreVerification
            do throws(EventLogError) {
                let store = try await PostgresEventStore.open(configurations: location.configurations(password: password), create: false,
                                                              logger: Logger(label: "netreach-relay", factory: { _ in SwiftLogNoOpLogHandler() }))
                do {
                    result = try await StoreVerifier.verify(store)
                    await store.close()
                } catch {
                    await store.close()
                    throw error
                }
            } catch {
                let damaged = error.code.isDamage || error.code == .corruptRecord
                printToStandardError("log verify: \(damaged ? "DAMAGED" : "cannot check"): \(error)")
                if format == .json {
                    print(json(["status": damaged ? "damaged" : "unchecked", "code": error.code.name, "message": error.message,
                                "position": error.position.map { "\($0)" } ?? ""]))
                }
                throw ExitCode.failure
            }
            let headPosition = result.head.count == 0 ? "none" : "\(result.head.count - 1)"
            switch format {
            case .json:
                print(json(["status": "ok", "logID": "\(result.head.logID)", "events": "\(result.head.count)", "headPosition": headPosition,
                            "chain": "\(result.head.chain)", "redacted": "\(result.redactedEvents)", "store": "\(location)"]))
            default:
                print("""
                    log verified: \(location)
                      log id            \(result.head.logID)
                      events            \(result.head.count)
                      head position     \(headPosition)
                      head chain        \(result.head.chain)
                      redacted events   \(result.redactedEvents)
                    """)
            }
        }

        private func json(_ fields: [String: String]) -> String {
            let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
