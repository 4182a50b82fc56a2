public import EventLogPostgres
public import NetreachCore

/// Where and how a relay runs. Validated when made, so a relay is never started half-configured.
public struct RelayConfiguration: Sendable, Hashable {
    /// Why a configuration was refused.
    public typealias Error = ConfigurationError

    public var host: String
    public var port: Int
    /// The directory holding the event log's segment files (unused when the log is in `database`).
    public var dataDirectory: String
    /// The PostgreSQL database holding the log instead (docs/OPERATIONS.md, "Two machines").
    public var database: PostgresLocation?
    /// The file holding the database user's password; without it, `NETREACH_STORE_PASSWORD` or none.
    public var databasePasswordFile: String?
    /// The deployment's public keyring (`Keys/`): organisation key, enrolments, revocations.
    public var keysDirectory: String
    /// PEM certificate chain and private key; TLS is on when both are given.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// How long an HTTP connection may sit idle between requests before it is closed (keep-alive).
    /// Open WebSockets are not affected.
    public var idleTimeout: Duration
    /// How long a new connection has to send its whole first request head (slow loris: a head
    /// trickled a byte at a time is never idle, so the idle timeout alone would not close it).
    public var requestHeadTimeout: Duration
    /// The visitor web page: its files and what it tells visitors (docs/WEB.md).
    public var web: WebConfiguration

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String, keysDirectory: String,
                tlsCertificate: String? = nil, tlsKey: String? = nil, idleTimeout: Duration = .seconds(30),
                requestHeadTimeout: Duration = .seconds(10), web: WebConfiguration = WebConfiguration(),
                database: PostgresLocation? = nil, databasePasswordFile: String? = nil) throws(Error) {
        guard requestHeadTimeout > .zero else { throw Error(message: "the request head timeout must be positive") }
        guard !host.isEmpty else { throw Error(message: "the host is empty") }
        guard (0...65_535).contains(port) else { throw Error(message: "port \(port) is outside 0…65535") }
        guard !dataDirectory.isEmpty || database != nil else { throw Error(message: "the data directory is empty") }
        guard dataDirectory.isEmpty || database == nil else {
            throw Error(message: "the log is either in a data directory or in a database, not both")
        }
        guard !keysDirectory.isEmpty else { throw Error(message: "the keys directory is empty") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw Error(message: "TLS needs both a certificate and a key, or neither")
        }
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.keysDirectory = keysDirectory
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.web = web
        self.database = database
        self.databasePasswordFile = databasePasswordFile
    }

    /// Whether the relay will serve https and wss.
    public var usesTLS: Bool { tlsCertificate != nil }
}
