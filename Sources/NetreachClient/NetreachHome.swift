import Foundation
public import NetreachCore

/// The staff machine's Netreach folder: encrypted private keys, the relay address and the local
/// replica of the log. `$NETREACH_HOME` when set, otherwise `~/.netreach`.
public struct NetreachHome: Sendable, Hashable {
    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public let path: String

    /// Resolves the folder from an environment (pass `ProcessInfo.processInfo.environment`).
    public init(environment: [String: String]) throws(Error) {
        if let explicit = environment["NETREACH_HOME"] {
            guard explicit.hasPrefix("/") else {
                throw Error(message: "NETREACH_HOME must be an absolute path, got '\(explicit)'")
            }
            path = explicit
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            path = home.hasSuffix("/") ? home + ".netreach" : home + "/.netreach"
        } else {
            throw Error(message: "neither NETREACH_HOME nor an absolute HOME is set")
        }
    }

    public init(path: String) throws(Error) {
        guard path.hasPrefix("/") else { throw Error(message: "the Netreach folder must be an absolute path, got '\(path)'") }
        self.path = path
    }

    public func privateKeyPath(_ name: StaffName) -> String { path + "/" + name.text + ".key" }
    public func publicKeyPath(_ name: StaffName) -> String { path + "/" + name.text + ".pub" }
    /// Where `login` keeps the relay address and the organisation key it was given.
    public var settingsPath: String { path + "/settings" }
    public var organisationKeyPath: String { path + "/org.pub" }
    /// The local replica of the relay's log (ciphertext only).
    public var replicaPath: String { path + "/replica" }
    /// A supervisor's complete, chain-verified copy of the relay's log (every record, as the relay
    /// holds it; kept by `netreach verify`), from which `netreach-relay restore --from-replica` rebuilds a lost log.
    public var relayLogPath: String { path + "/relay-log" }
    /// Canned replies (staff-written templates, not visitor data).
    public var cannedPath: String { path + "/canned" }
    /// How far this staff member has read each conversation (positions only).
    public var readMarksPath: String { path + "/read-marks" }
    /// The relay's keyring as last fetched (public; verified again when read), for working offline.
    public var keyringPath: String { path + "/keyring.json" }
    /// When the replica last caught up with the relay: `POSITION MILLISECONDS` (nothing secret).
    public var syncedPath: String { path + "/synced" }

    /// Creates the folder, readable by its owner only.
    public func createFolder() throws(KeyError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw KeyError(code: .ioError, "cannot create \(path): \(error.localizedDescription)")
        }
    }
}
