/// Why an onion service's settings were refused.
public struct OnionServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The hidden service directory is not an absolute path.
        case relativeDirectory
        /// The directory holds a character a torrc line cannot carry unquoted (space, #, quote, control).
        case unsafeDirectory
        /// The relay's port is outside 1…65535.
        case portOutOfRange
    }

    public let code: Code
    public let message: String

    public var description: String { message }
}

/// A Tor onion service in front of a relay on 127.0.0.1 (docs/OPERATIONS.md, "Onion service"):
/// the lines Debian's tor needs in its torrc. Tor makes the service's keys and its `.onion`
/// hostname in `hiddenServiceDirectory` the first time it reads them.
public struct OnionService: Sendable, Hashable {
    public let hiddenServiceDirectory: String
    public let relayPort: Int

    public init(hiddenServiceDirectory: String, relayPort: Int) throws(OnionServiceError) {
        guard hiddenServiceDirectory.hasPrefix("/") else {
            // tor would resolve a relative directory from its own working directory, not the admin's.
            throw OnionServiceError(code: .relativeDirectory,
                                    message: "the hidden service directory must be an absolute path, not \"\(hiddenServiceDirectory)\"")
        }
        if let bad = hiddenServiceDirectory.unicodeScalars.first(where: { $0.value < 0x21 || $0.value == 0x7f || "#\"\\".unicodeScalars.contains($0) }) {
            throw OnionServiceError(code: .unsafeDirectory,
                                    message: "the hidden service directory may not hold spaces, control characters, #, \" or \\ "
                                        + "(found U+\(String(bad.value, radix: 16, uppercase: true))); choose a plain path such as /var/lib/tor/netreach")
        }
        guard (1...65_535).contains(relayPort) else {
            throw OnionServiceError(code: .portOutOfRange, message: "the relay's port must be 1…65535, not \(relayPort)")
        }
        self.hiddenServiceDirectory = hiddenServiceDirectory
        self.relayPort = relayPort
    }

    /// The torrc lines: visitors reach port 80 of the onion address, which tor forwards to the relay
    /// on 127.0.0.1 (plain http: the onion connection itself is end-to-end encrypted to this tor).
    public var torrcSnippet: String {
        """
        # Netreach relay as a Tor onion service (`netreach-relay onion`; docs/OPERATIONS.md, "Onion service").
        # tor makes the service's private key and its .onion name in HiddenServiceDir: back that folder up.
        # Run the relay with `--host 127.0.0.1 --port \(relayPort) --behind-proxy` and without --tls-cert.
        HiddenServiceDir \(hiddenServiceDirectory)
        HiddenServicePort 80 127.0.0.1:\(relayPort)

        """
    }
}
