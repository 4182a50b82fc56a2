public import EventLog
import Foundation
public import PostgresNIO

/// Where a PostgreSQL log is: `postgresql://USER@HOST[:PORT]/DATABASE`. A password never goes in it
/// (a command line is visible to every user of the machine); it comes from a file or the environment.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public let user: String
    public let host: String
    public let port: Int
    public let database: String

    public init(url text: String) throws(EventLogError) {
        func refuse(_ why: String) -> EventLogError {
            EventLogError(code: .invalidConfiguration, "\(why): a store is written postgresql://USER@HOST[:PORT]/DATABASE")
        }
        guard let components = URLComponents(string: text), ["postgresql", "postgres"].contains(components.scheme ?? "") else {
            throw refuse("'\(text.prefix(80))' is not a postgresql:// address")
        }
        guard components.password == nil else {
            throw EventLogError(code: .invalidConfiguration,
                                "the store address holds a password: give it in store-password-file or NETREACH_STORE_PASSWORD instead")
        }
        guard let user = components.user, !user.isEmpty else { throw refuse("the store address names no user") }
        guard let host = components.host, !host.isEmpty else { throw refuse("the store address names no host") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw refuse("the store address names no database") }
        guard components.query == nil, components.fragment == nil else { throw refuse("the store address has options, which are not read") }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw refuse("port \(port) is outside 1…65535") }
        self.user = user
        self.host = host
        self.port = port
        self.database = database
    }

    /// The client configuration, with the password when there is one. TLS is not used: the database
    /// is on the relay's machine or its private network (docs/OPERATIONS.md, "Two machines").
    public func configuration(password: String?) -> PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }

    public var description: String { "postgresql://\(user)@\(host):\(port)/\(database)" }
}
