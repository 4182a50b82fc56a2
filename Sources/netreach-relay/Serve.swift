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
                keyring (a revocation closes that key's open connections at once) and the TLS certificate and
                key (new connections get the new pair, open chats stay; a pair that does not load is refused
                and the old one stays). Every option can instead be set in a configuration file given with
                --config (see `netreach-relay check-config`).

                Example:
                  netreach-relay serve --data-dir /var/lib/netreach/log --keys /etc/netreach/Keys \\
                      --relay-key /etc/netreach/relay.key --passphrase-file /etc/netreach/relay.passphrase \\
                      --web-config /etc/netreach/web-config.json
                  netreach-relay serve --config /etc/netreach/relay.conf --log-level debug
                """
        )

        @Option(help: "A configuration file of `key = value` lines, one key per option below (docs/OPERATIONS.md, \"The configuration file\"); options given here override it.")
        var config: String?
        @Option(help: "The event log's directory.") var dataDir: String?
        @Option(help: "The event log in PostgreSQL instead of a directory: postgresql://USER@HOST[:PORT]/DATABASE (docs/OPERATIONS.md, \"Two machines\").")
        var store: String?
        @Option(help: "A file holding the database user's password (else NETREACH_STORE_PASSWORD, else none).") var storePasswordFile: String?
        @Option(help: "The deployment's public keyring (org.pub, staff/, revoked/).") var keys: String?
        @Option(help: "The relay's encrypted signing key file.") var relayKey: String?
        @Option(help: "A file holding the relay key's passphrase.") var passphraseFile: String?
        @Flag(inversion: .prefixedNo, help: "Make the relay key if the file does not exist (default: no).") var createRelayKey: Bool?
        @Option(help: "Address to listen on (default: \(ServeOptions.defaultHost)).") var host: String?
        @Option(help: "Port to listen on, 0 picks a free one (default: \(ServeOptions.defaultPort)).") var port: Int?
        @Option(help: "PEM certificate chain; with --tls-key, serves https and wss.") var tlsCert: String?
        @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
        @Option(help: "Proof of work for opening a conversation, in bits, 0…\(ProofOfWork.maximumBits) (default: \(ServeOptions.defaultPowBits)).") var powBits: Int?
        @Option(help: "New conversations per network address per hour; 0 turns the limit off, as --behind-proxy does (default: \(ServeOptions.defaultOpensPerAddressPerHour)).")
        var opensPerAddressPerHour: Int?
        @Flag(inversion: .prefixedNo, help: "Visitors arrive through a proxy or Tor onion service on this machine, all from one address: turns the per-address opens limit off (default: no).")
        var behindProxy: Bool?
        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default: \(ServeOptions.defaultLogLevel.rawValue)).") var logLevel: String?
        @Option(help: "The visitor web page's folder (default: ../share/netreach/web from this executable if it exists, else Sources/NetreachRelay/Web of the tree this relay was built from).")
        var webDir: String?
        @Option(help: "A JSON file of what the visitor page shows: quick-exit address, emergency numbers, opening hours (docs/WEB.md).")
        var webConfig: String?
        @Option(help: "Seconds a new connection has to send its whole first request head, 1…300; slow-loris protection (default: \(ServeOptions.defaultRequestHeadTimeout)).")
        var requestHeadTimeout: Int?
        @Option(help: "A JSON file of partner services for referrals (docs/INCIDENTS.md, \"Referral directory\").")
        var referrals: String?

        /// The options given on the command line, keyed as in a configuration file.
        var flags: ServeOptions {
            var options = ServeOptions()
            for (key, text) in [(ServeOptions.Key.dataDir, dataDir), (.store, store), (.storePasswordFile, storePasswordFile),
                                (.keys, keys), (.relayKey, relayKey), (.passphraseFile, passphraseFile),
                                (.host, host), (.tlsCert, tlsCert), (.tlsKey, tlsKey), (.logLevel, logLevel), (.webDir, webDir),
                                (.webConfig, webConfig), (.referrals, referrals)] {
                options.set(key, text.map { .string($0) }, from: .flag)
            }
            for (key, number) in [(ServeOptions.Key.port, port), (.powBits, powBits), (.opensPerAddressPerHour, opensPerAddressPerHour),
                                  (.requestHeadTimeout, requestHeadTimeout)] {
                options.set(key, number.map { .integer($0) }, from: .flag)
            }
            options.set(.createRelayKey, createRelayKey.map { .boolean($0) }, from: .flag)
            options.set(.behindProxy, behindProxy.map { .boolean($0) }, from: .flag)
            return options
        }

        /// A bad flag is a usage error (exit 2); what the file says, and what is missing, is checked in `run`.
        func validate() throws {
            let flags = flags
            for key in ServeOptions.Key.allCases {
                if let value = flags.values[key], let problem = ServeOptions.problem(with: value, for: key) { throw ValidationError(problem) }
            }
            if behindProxy == true, let opens = opensPerAddressPerHour, opens != 0 {
                throw ValidationError("--behind-proxy turns the per-address opens limit off; --opens-per-address-per-hour \(opens) contradicts it (leave it out, or give 0)")
            }
        }

        func run() async throws {
            let settings: ServeSettings
            do {
                settings = try ServeOptions.loading(configurationFile: config, flags: flags)
                    .resolved(environment: ProcessInfo.processInfo.environment)
            } catch {
                printToStandardError("serve: \(error)")
                throw ExitCode.failure
            }
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "netreach-relay")
            logger.logLevel = settings.logLevel
            let passphrase: SecureBytes
            if let passphraseFile = settings.passphraseFile {
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
                let key = try RelayKey.load(path: settings.relayKeyPath, passphrase: passphrase, create: settings.createRelayKey)
                let configuration = settings.relay
                let scheme = configuration.usesTLS ? "https" : "http"
                try await RelayLauncher.run(configuration: configuration, relayKey: key, powBits: settings.powBits,
                                            opensPerAddressPerHour: settings.opensPerAddressPerHour, behindProxy: settings.behindProxy,
                                            logger: logger) { port in
                    // Written straight to the descriptor so that a supervisor reading a pipe sees it at once.
                    printToStandardOutput("netreach-relay listening on \(scheme)://\(configuration.host):\(port)  (visitor page: /, WebSocket: /v1/ws, health: /health)")
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

    /// `netreach-relay check-config FILE`: checks a configuration file as `serve --config FILE` would, and more.
    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config",
            abstract: "Check a relay configuration file without starting the relay.",
            discussion: """
                Reads FILE as `serve --config FILE` would (unknown keys, bad values, duplicate keys, a missing
                required setting) and checks that everything the relay reads at start is there: the keyring
                verifies, the relay key and its passphrase file exist, the TLS certificate and key load and
                belong together, the visitor page can be read, the data directory can be written. The relay
                key is not opened. Exit 0 when the relay could start, 1 with the reason otherwise. The
                systemd unit runs it before every start.

                Example:
                  netreach-relay check-config /etc/netreach/relay.conf
                """
        )

        @Argument(help: "The configuration file.") var file: String

        func run() async throws {
            do {
                let options = try ServeOptions.loading(configurationFile: file, flags: ServeOptions())
                try options.checkReadyToStart(try options.resolved(environment: ProcessInfo.processInfo.environment))
            } catch {
                printToStandardError("check-config: \(error)")
                throw ExitCode.failure
            }
            print("check-config: \(file) is valid and the relay's keys and files are in place")
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
