import ArgumentParser
import NetreachRelay

extension NetreachRelayCommand {
    /// `netreach-relay onion`: the torrc lines that publish the relay as a Tor onion service.
    struct Onion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the torrc lines that make the relay a Tor onion service.",
            discussion: """
                Prints HiddenServiceDir and HiddenServicePort lines for Debian's tor:
                visitors reach port 80 of the onion address, and tor forwards them to
                the relay on 127.0.0.1:PORT. Add them to /etc/tor/torrc and reload tor;
                tor then makes the service's key and its name in DIR (DIR/hostname).
                Run the relay on 127.0.0.1:PORT with --behind-proxy. Keep DIR under
                /var/lib/tor (Debian's AppArmor profile for tor allows it there) and
                back it up: its hs_ed25519_secret_key is the onion address
                (docs/OPERATIONS.md, "Onion service").

                Example:
                  netreach-relay onion --hidden-service-dir /var/lib/tor/netreach --port 8080
                """
        )

        @Option(help: "The onion service's directory, an absolute path; tor keeps the service's keys and hostname there.")
        var hiddenServiceDir: String
        @Option(help: "The port the relay listens on at 127.0.0.1 (serve --port), 1…65535.")
        var port: Int

        /// A bad directory or port is a usage error (exit 2).
        func validate() throws {
            do { _ = try OnionService(hiddenServiceDirectory: hiddenServiceDir, relayPort: port) } catch {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            print(try OnionService(hiddenServiceDirectory: hiddenServiceDir, relayPort: port).torrcSnippet, terminator: "")
        }
    }
}
