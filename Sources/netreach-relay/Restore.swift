import ArgumentParser
import EventLog
import Foundation
import NetreachCommandLine
import NetreachRelay
import Sodium

extension NetreachRelayCommand {
    /// `netreach-relay restore`: rebuilds a data directory from a backup, verified against the relay key.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a data directory from a backup, or from a supervisor's copy of the log; refused unless it all verifies.",
            discussion: """
                Stop the relay first. The new data directory must not exist, or be
                empty. The segments are written into a temporary directory beside
                it, verified as `log verify` does up to exactly the signed head,
                and only then renamed into place. --from takes a backup directory
                (its manifest's signature and segment hashes must verify);
                --from-replica a supervisor's Netreach folder, whose relay-log/
                copy must verify and hold a checkpoint signed by the relay key.
                The relay key (or its public key in hex) says whose signature to
                trust. Exit 0 on success, 1 on any failure (naming the path).
                docs/OPERATIONS.md, "Backups".

                Example:
                  netreach-relay restore --from /var/backups/netreach \\
                    --data-dir /var/lib/netreach/log \\
                    --relay-key /etc/netreach/relay.key \\
                    --passphrase-file /etc/netreach/relay.passphrase
                  netreach-relay restore --from-replica /home/jo/.netreach \\
                    --data-dir /var/lib/netreach/log --relay-public-key HEX
                """
        )

        @Option(help: "The backup directory (made by `netreach-relay backup`).")
        var from: String?

        @Option(help: "A supervisor's Netreach folder ($NETREACH_HOME) whose copy of the relay's log (relay-log/, kept by `netreach verify`) to rebuild from.")
        var fromReplica: String?

        @Option(help: "The new data directory: must not exist, or be empty.")
        var dataDir: String

        @Option(help: "The relay's public signing key in hex, instead of --relay-key (as clients pin it).")
        var relayPublicKey: String?

        @OptionGroup var key: RelayKeyOptions

        func validate() throws {
            guard (from == nil) != (fromReplica == nil) else { throw ValidationError("give --from (a backup) or --from-replica (a supervisor's folder), one of them") }
            if let relayPublicKey {
                guard (try? SigningPublicKey(Hex.decode(relayPublicKey))) != nil else {
                    throw ValidationError("--relay-public-key is not 32 bytes of hex")
                }
                guard key.relayKey == nil else { throw ValidationError("give --relay-key or --relay-public-key, not both") }
            } else if key.relayKey == nil {
                throw ValidationError("give --relay-key (with its passphrase) or --relay-public-key: the key whose signature to trust")
            }
        }

        func run() async throws {
            let trusted: SigningPublicKey
            if let relayPublicKey {
                trusted = try SigningPublicKey(Hex.decode(relayPublicKey))
            } else {
                trusted = try key.load(command: "restore").publicKey
            }
            let started = ContinuousClock.now
            if let fromReplica {
                try restoreFromReplica(fromReplica, trusting: trusted, started: started)
                return
            }
            do {
                let report = try LogRestore.restore(from: from!, to: dataDir, trusting: trusted)
                let elapsed = ContinuousClock.now - started
                let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                print("""
                    restored and verified: \(dataDir)
                      log id            \(report.head.logID)
                      events            \(report.head.count)
                      head chain        \(report.head.chain)
                      segments          \(report.segments)
                      bytes             \(report.bytes)
                      took              \(milliseconds) ms
                    run `netreach-relay log verify --data-dir \(dataDir)`, then start the relay on it
                    """)
            } catch {
                printToStandardError("restore: REFUSED: \(error)")
                throw ExitCode.failure
            }
        }

        private func restoreFromReplica(_ home: String, trusting trusted: SigningPublicKey, started: ContinuousClock.Instant) throws {
            let copy = home + "/relay-log"
            do {
                let report = try LogRestore.restore(fromMirror: copy, to: dataDir, trusting: trusted, checkpoint: CheckpointService.claim(in:))
                let elapsed = ContinuousClock.now - started
                let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                print("""
                    restored from the supervisor's copy and verified: \(dataDir)
                      log id            \(report.restore.head.logID)
                      events            \(report.restore.head.count)
                      head chain        \(report.restore.head.chain)
                      last checkpoint   \(report.checkpoint.count) events, signed by the relay key
                      after it          \(report.eventsAfterCheckpoint) events, chained to it (not yet covered by a relay signature)
                      segments          \(report.restore.segments)
                      bytes             \(report.restore.bytes)
                      took              \(milliseconds) ms
                    run `netreach-relay log verify --data-dir \(dataDir)`, then start the relay on it
                    """)
                if report.droppedTailBytes > 0 {
                    printToStandardError("note: \(report.droppedTailBytes) bytes at the end of \(copy) were not a whole record "
                                         + "(the copying client stopped during a write) and were left out")
                }
            } catch {
                printToStandardError("restore: REFUSED: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
