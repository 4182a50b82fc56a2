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
}
