import ArgumentParser
import EventLog
import Foundation
import Logging
import NetreachCommandLine
import NetreachCore
import NetreachRelay
import Sodium

extension NetreachRelayCommand {
    /// `netreach-relay serve`: runs the relay until SIGTERM or SIGINT.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the relay: WebSocket protocol, keyring, health and metrics.",
            discussion: """
                The relay key is an encrypted private key file (docs/KEYS.md); its passphrase comes from
                --passphrase-file or the NETREACH_RELAY_PASSPHRASE environment variable. SIGHUP reloads the
                keyring (a revocation closes that key's open connections at once).

                Example:
                  netreach-relay serve --data-dir /var/lib/netreach/log --keys /etc/netreach/Keys \\
                      --relay-key /etc/netreach/relay.key --passphrase-file /etc/netreach/relay.passphrase \\
                      --web-config /etc/netreach/web-config.json
                """
        )

        @Option(help: "The event log's directory.") var dataDir: String
        @Option(help: "The deployment's public keyring (org.pub, staff/, revoked/).") var keys: String
        @Option(help: "The relay's encrypted signing key file.") var relayKey: String
        @Option(help: "A file holding the relay key's passphrase.") var passphraseFile: String?
        @Flag(help: "Make the relay key if the file does not exist.") var createRelayKey = false
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
        @Option(help: "PEM certificate chain; with --tls-key, serves https and wss.") var tlsCert: String?
        @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
        @Option(help: "Proof of work for opening a conversation, in bits (0…24).") var powBits = 16
        @Option(help: "New conversations per network address per hour; 0 turns the limit off (needed behind a proxy or onion service).")
        var opensPerAddressPerHour = 30
        @Option(help: "Log level: debug, info, notice, warning, error.") var logLevel = "info"
        @Option(help: "The visitor web page's folder (default: Sources/NetreachRelay/Web of the tree this relay was built from).")
        var webDir: String?
        @Option(help: "A JSON file of what the visitor page shows: quick-exit address, emergency numbers, opening hours (docs/WEB.md).")
        var webConfig: String?
        @Option(help: "Seconds a new connection has to send its whole first request head (slow-loris protection).")
        var requestHeadTimeout = 10
        @Option(help: "A JSON file of partner services for referrals (docs/INCIDENTS.md, \"Referral directory\").")
        var referrals: String?

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
            guard (0...ProofOfWork.maximumBits).contains(powBits) else { throw ValidationError("--pow-bits must be 0…\(ProofOfWork.maximumBits)") }
            guard (1...300).contains(requestHeadTimeout) else { throw ValidationError("--request-head-timeout must be 1…300 seconds") }
            guard opensPerAddressPerHour >= 0 else { throw ValidationError("--opens-per-address-per-hour cannot be negative") }
            guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
            if let webDir {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: webDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw ValidationError("--web-dir \(webDir) is not a directory")
                }
            }
            if let webConfig {
                guard let data = FileManager.default.contents(atPath: webConfig) else {
                    throw ValidationError("--web-config \(webConfig) cannot be read")
                }
                do { _ = try VisitorPageSettings(json: data, file: webConfig) } catch { throw ValidationError(error.message) }
            }
            if let referrals {
                guard let data = FileManager.default.contents(atPath: referrals) else {
                    throw ValidationError("--referrals \(referrals) cannot be read")
                }
                do { _ = try ReferralDirectory(json: data, file: referrals) } catch { throw ValidationError(error.message) }
            }
            guard passphraseFile != nil || ProcessInfo.processInfo.environment["NETREACH_RELAY_PASSPHRASE"] != nil else {
                throw ValidationError("give --passphrase-file or set NETREACH_RELAY_PASSPHRASE")
            }
        }

        func run() async throws {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "netreach-relay")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let passphrase: SecureBytes
            if let passphraseFile {
                var contents: [UInt8]
                do { contents = try KeyFileStorage.read(path: passphraseFile) } catch {
                    printToStandardError("serve: cannot read the passphrase file: \(error)")
                    throw ExitCode.failure
                }
                passphrase = EncryptedPrivateKeyFile.passphrase(fromFileContents: &contents)
            } else {
                passphrase = SecureBytes(copying: Array(ProcessInfo.processInfo.environment["NETREACH_RELAY_PASSPHRASE"]!.utf8))
            }
            do {
                let key = try RelayKey.load(path: relayKey, passphrase: passphrase, create: createRelayKey)
                var web = WebConfiguration()
                if let webDir { web.directory = webDir }
                if let webConfig {
                    web.settings = try VisitorPageSettings(json: Data(contentsOf: URL(fileURLWithPath: webConfig)), file: webConfig)
                }
                if let referrals {
                    web.referrals = try ReferralDirectory(json: Data(contentsOf: URL(fileURLWithPath: referrals)), file: referrals)
                }
                let configuration = try RelayConfiguration(host: host, port: port, dataDirectory: dataDir, keysDirectory: keys,
                                                           tlsCertificate: tlsCert, tlsKey: tlsKey,
                                                           requestHeadTimeout: .seconds(requestHeadTimeout), web: web)
                let scheme = configuration.usesTLS ? "https" : "http"
                try await RelayLauncher.run(configuration: configuration, relayKey: key, powBits: powBits,
                                            opensPerAddressPerHour: opensPerAddressPerHour, logger: logger) { port in
                    // Written straight to the descriptor so that a supervisor reading a pipe sees it at once.
                    printToStandardOutput("netreach-relay listening on \(scheme)://\(host):\(port)  (visitor page: /, WebSocket: /v1/ws, health: /health)")
                }
            } catch let error as KeyError {
                printToStandardError("serve: \(error)")
                throw ExitCode.failure
            } catch let error as EventLogError {
                printToStandardError("serve: the event log cannot be opened: \(error)")
                throw ExitCode.failure
            } catch let error as RelayConfiguration.Error {
                printToStandardError("serve: \(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `netreach-relay demo-deployment`: keys for a local demo (used by ops/run).
    struct DemoDeploymentCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-deployment",
            abstract: "Make a local demo deployment: organisation, a worker, a supervisor and a relay key.",
            discussion: """
                Every private key is encrypted under the one demo passphrase, which is printed and kept in
                DIR/private/demo.passphrase. For trying Netreach out only: a real deployment makes the
                organisation key offline (Keys/README.md).

                Example:
                  netreach-relay demo-deployment --dir demo
                """
        )

        @Option(help: "Where to make it (must not exist yet).") var dir: String

        func validate() throws {
            guard !FileManager.default.fileExists(atPath: dir) else { throw ValidationError("\(dir) already exists") }
        }

        func run() async throws {
            let words = ["harbour", "lantern", "meadow", "orchid", "pebble", "saffron", "thistle", "willow"]
            let passphrase = (0..<5).map { _ in words[Int(Random.uniform(below: UInt32(words.count)))] }.joined(separator: "-")
                + "-" + String(Random.uniform(below: 10_000))
            do {
                let made = try DemoDeployment.create(at: dir, passphrase: passphrase)
                print("demo deployment made in \(dir)")
                print("  keyring:          \(made.keysDirectory)")
                print("  event log:        \(made.dataDirectory)")
                print("  relay key:        \(made.relayKeyPath)")
                print("  web page config:  \(made.webConfigPath)")
                print("  referrals:        \(made.referralsPath)")
                for member in made.staff { print("  staff \(member.name) (\(member.role)): \(member.keyFile)  (NETREACH_HOME=\(member.home))") }
                print("  demo passphrase:  \(passphrase)   (also in \(made.passphrasePath))")
            } catch {
                printToStandardError("demo-deployment: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
