public import EventLog
import Foundation
public import PostgresNIO

/// Where a PostgreSQL log is: `postgresql://USER@HOST[:PORT][,HOST[:PORT]…]/DATABASE`. With several
/// hosts (a primary and its standbys), the store uses the first that is a primary holding this log,
/// and looks again in the same order when the one it uses stops answering or becomes read-only
/// (docs/OPERATIONS.md, "Two machines"). A password never goes in the address (a command line is
/// visible to every user of the machine); it comes from a file or the environment.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public struct Host: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public let port: Int
        public var description: String { name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)" }
    }

    public let user: String
    public let hosts: [Host]
    public let database: String

    /// At most this many hosts: a primary and its standbys, not a fleet.
    public static let maximumHosts = 8

    public init(url text: String) throws(EventLogError) {
        func refuse(_ why: String) -> EventLogError {
            EventLogError(code: .invalidConfiguration,
                          "\(why): a store is written postgresql://USER@HOST[:PORT][,HOST[:PORT]…]/DATABASE")
        }
        let schemes = ["postgresql://", "postgres://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw refuse("'\(text.prefix(80))' is not a postgresql:// address")
        }
        let rest = text.dropFirst(scheme.count)
        guard !rest.contains("?"), !rest.contains("#") else { throw refuse("the store address has options, which are not read") }
        guard let slash = rest.firstIndex(of: "/") else { throw refuse("the store address names no database") }
        let authority = rest[..<slash]
        let database = String(rest[rest.index(after: slash)...])
        guard let at = authority.lastIndex(of: "@") else { throw refuse("the store address names no user") }
        let userInfo = authority[..<at]
        guard !userInfo.contains(":") else {
            throw EventLogError(code: .invalidConfiguration,
                                "the store address holds a password: give it in store-password-file or NETREACH_STORE_PASSWORD instead")
        }
        guard let user = String(userInfo).removingPercentEncoding, !user.isEmpty, !user.contains("@") else {
            throw refuse("the store address names no user")
        }
        guard !database.isEmpty, !database.contains("/"), let decoded = database.removingPercentEncoding, !decoded.isEmpty else {
            throw refuse("the store address names no database")
        }
        var hosts: [Host] = []
        for item in authority[authority.index(after: at)...].split(separator: ",", omittingEmptySubsequences: false) {
            hosts.append(try Self.host(String(item), refuse))
        }
        guard hosts.count <= Self.maximumHosts else { throw refuse("the store address names \(hosts.count) hosts; at most \(Self.maximumHosts)") }
        guard Set(hosts).count == hosts.count else { throw refuse("the store address names a host twice") }
        self.user = user
        self.hosts = hosts
        self.database = decoded
    }

    private static func host(_ text: String, _ refuse: (String) -> EventLogError) throws(EventLogError) -> Host {
        var name = text
        var port = 5432
        if text.hasPrefix("[") {  // [IPv6]:port
            guard let close = text.firstIndex(of: "]") else { throw refuse("'\(text.prefix(80))' is not a host") }
            name = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { throw refuse("'\(text.prefix(80))' has no valid port") }
                port = number
            }
        } else if let colon = text.lastIndex(of: ":") {
            name = String(text[..<colon])
            guard let number = Int(text[text.index(after: colon)...]) else { throw refuse("'\(text.prefix(80))' has no valid port") }
            port = number
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw refuse(name.isEmpty ? "the store address names no host" : "'\(name.prefix(80))' is not a host name")
        }
        guard (1...65_535).contains(port) else { throw refuse("port \(port) is outside 1…65535") }
        return Host(name: name, port: port)
    }

    /// One client configuration per host, in order, with the password when there is one. TLS is not
    /// used: the database is on the relay's machine or its private network (docs/OPERATIONS.md, "Two machines").
    public func configurations(password: String?) -> [PostgresClient.Configuration] {
        hosts.map { PostgresClient.Configuration(host: $0.name, port: $0.port, username: user, password: password, database: database, tls: .disable) }
    }

    public var description: String { "postgresql://\(user)@\(hosts.map(\.description).joined(separator: ","))/\(database)" }
}
