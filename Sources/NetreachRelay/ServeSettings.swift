import EventLogPostgres
import Foundation
public import Logging
import NetreachCore
import Sodium

/// The settings `netreach-relay serve` runs with: every option resolved to its value or default and
/// checked, so a relay never starts half-configured.
public struct ServeSettings: Sendable {
    public var relay: RelayConfiguration
    public var relayKeyPath: String
    /// The file holding the relay key's passphrase; nil when it comes from `NETREACH_RELAY_PASSPHRASE`.
    public var passphraseFile: String?
    public var createRelayKey: Bool
    public var powBits: Int
    public var opensPerAddressPerHour: Int
    /// Every visitor arrives through a proxy or tor on this machine, so from one address: the
    /// per-address opens limit is off (`opensPerAddressPerHour` is 0).
    public var behindProxy: Bool
    public var logLevel: Logger.Level

    /// What the key ceremony (docs/OPERATIONS.md) has not done yet, in the words the unit's journal shows.
    static let ceremonyHint = "run the key ceremony first: docs/OPERATIONS.md"
}

extension ServeOptions {
    /// What `serve --config FILE` is given: the file's values (when there is a file) with `flags` over them.
    public static func loading(configurationFile: String?, flags: ServeOptions) throws(ConfigurationFileError) -> ServeOptions {
        guard let configurationFile else { return flags }
        return ServeOptions(file: try ConfigurationFile.load(path: configurationFile, schema: schema)).overridden(by: flags)
    }

    /// The settings these options give, with defaults for what is not set; reads the web page
    /// settings and the referral directory to check them. `environment` is the process's.
    public func resolved(environment: [String: String]) throws(ServeOptionsError) -> ServeSettings {
        for key in Key.allCases {
            guard let value = values[key], let problem = Self.problem(with: value, for: key) else { continue }
            throw ServeOptionsError(code: .badValue, key: key, origin: origins[key], message: problem)
        }
        func required(_ key: Key) throws(ServeOptionsError) -> String {
            guard let value = string(key) else {
                throw ServeOptionsError(code: .missing, key: key,
                                        message: "is required: give --\(key.rawValue) or `\(key.rawValue) = …` in the configuration file")
            }
            return value
        }
        func failure(_ code: ServeOptionsError.Code, _ key: Key, _ message: String) -> ServeOptionsError {
            ServeOptionsError(code: code, key: key, origin: origins[key], message: message)
        }
        // The log is in a data directory or in a PostgreSQL database: one of the two, and only one.
        var database: PostgresLocation?
        if let store = string(.store) {
            guard string(.dataDir) == nil else {
                throw failure(.badValue, .store, "the log is either in data-dir or in store, not both: give one")
            }
            do { database = try PostgresLocation(url: store) } catch { throw failure(.badValue, .store, error.message) }
        } else if string(.storePasswordFile) != nil {
            throw failure(.badValue, .storePasswordFile, "is only read with store")
        }
        let dataDirectory = database == nil ? try required(.dataDir) : ""
        let keysDirectory = try required(.keys)
        let relayKeyPath = try required(.relayKey)
        let passphraseFile = string(.passphraseFile)
        guard passphraseFile != nil || environment["NETREACH_RELAY_PASSPHRASE"] != nil else {
            throw ServeOptionsError(code: .missing, key: .passphraseFile,
                                    message: "give --passphrase-file, `passphrase-file = …` in the configuration file, or set NETREACH_RELAY_PASSPHRASE")
        }
        let tlsCert = string(.tlsCert)
        let tlsKey = string(.tlsKey)
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw failure(.badValue, tlsCert == nil ? .tlsKey : .tlsCert, "tls-cert and tls-key go together")
        }
        let behindProxy = boolean(.behindProxy) ?? false
        var opensPerAddressPerHour = integer(.opensPerAddressPerHour) ?? Self.defaultOpensPerAddressPerHour
        if behindProxy {
            if let given = integer(.opensPerAddressPerHour), given != 0 {
                throw failure(.badValue, .opensPerAddressPerHour,
                              "is \(given), but behind-proxy is on: every visitor arrives from the proxy's one address, so this limit must be 0 or left out")
            }
            opensPerAddressPerHour = 0
        }
        var web = WebConfiguration()
        if let webDir = string(.webDir) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: webDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw failure(.unreadable, .webDir, "\(webDir) is not a directory")
            }
            web.directory = webDir
        }
        if let webConfig = string(.webConfig) {
            guard let data = FileManager.default.contents(atPath: webConfig) else {
                throw failure(.unreadable, .webConfig, "\(webConfig) cannot be read")
            }
            do { web.settings = try VisitorPageSettings(json: data, file: webConfig) } catch {
                throw failure(.badValue, .webConfig, error.message)
            }
        }
        if let referrals = string(.referrals) {
            guard let data = FileManager.default.contents(atPath: referrals) else {
                throw failure(.unreadable, .referrals, "\(referrals) cannot be read")
            }
            do { web.referrals = try ReferralDirectory(json: data, file: referrals) } catch {
                throw failure(.badValue, .referrals, error.message)
            }
        }
        let relay: RelayConfiguration
        do {
            relay = try RelayConfiguration(host: string(.host) ?? Self.defaultHost, port: integer(.port) ?? Self.defaultPort,
                                           dataDirectory: dataDirectory, keysDirectory: keysDirectory,
                                           tlsCertificate: tlsCert, tlsKey: tlsKey,
                                           requestHeadTimeout: .seconds(integer(.requestHeadTimeout) ?? Self.defaultRequestHeadTimeout),
                                           web: web, database: database, databasePasswordFile: string(.storePasswordFile))
        } catch {
            throw ServeOptionsError(code: .badValue, message: error.message)
        }
        return ServeSettings(relay: relay, relayKeyPath: relayKeyPath, passphraseFile: passphraseFile,
                             createRelayKey: boolean(.createRelayKey) ?? false,
                             powBits: integer(.powBits) ?? Self.defaultPowBits,
                             opensPerAddressPerHour: opensPerAddressPerHour, behindProxy: behindProxy,
                             logLevel: string(.logLevel).flatMap(Logger.Level.init(rawValue:)) ?? Self.defaultLogLevel)
    }

    /// What `check-config` adds to `resolved`: everything `serve` reads at start is on disk and
    /// readable (the keyring verifies, the relay key and its passphrase exist, TLS files, the web page),
    /// and the data directory exists or can be made. The relay key is not opened: that needs the
    /// passphrase's slow key derivation, and `serve` says so clearly if it is wrong.
    public func checkReadyToStart(_ settings: ServeSettings) throws(ServeOptionsError) {
        func failure(_ code: ServeOptionsError.Code, _ key: Key, _ message: String) -> ServeOptionsError {
            ServeOptionsError(code: code, key: key, origin: origins[key], message: message)
        }
        let keys = settings.relay.keysDirectory
        guard FileManager.default.fileExists(atPath: keys + "/org.pub") else {
            throw failure(.keysMissing, .keys, "there is no keyring at \(keys) (no org.pub): \(ServeSettings.ceremonyHint)")
        }
        let keyring: Keyring
        do { keyring = try Keyring.load(directory: keys) } catch {
            throw failure(.badValue, .keys, "the keyring in \(keys) is refused: \(error)")
        }
        if !FileManager.default.fileExists(atPath: settings.relayKeyPath) {
            guard settings.createRelayKey else {
                throw failure(.keysMissing, .relayKey, "there is no relay key at \(settings.relayKeyPath): \(ServeSettings.ceremonyHint)")
            }
        } else {
            do {
                let file = try EncryptedPrivateKeyFile(parsing: try KeyFileStorage.read(path: settings.relayKeyPath),
                                                       fileName: settings.relayKeyPath)
                guard file.kind == .relay else {
                    throw failure(.badValue, .relayKey, "\(settings.relayKeyPath) holds a \(file.kind) key, not the relay's")
                }
            } catch let error as ServeOptionsError {
                throw error
            } catch {
                throw failure(.unreadable, .relayKey, "\(error)")
            }
        }
        if let passphraseFile = settings.passphraseFile {
            guard FileManager.default.fileExists(atPath: passphraseFile) else {
                throw failure(.keysMissing, .passphraseFile, "there is no passphrase file at \(passphraseFile): \(ServeSettings.ceremonyHint)")
            }
            guard FileManager.default.isReadableFile(atPath: passphraseFile) else {
                throw failure(.unreadable, .passphraseFile, "\(passphraseFile) cannot be read by this user")
            }
        }
        for (key, path) in [(Key.tlsCert, settings.relay.tlsCertificate), (.tlsKey, settings.relay.tlsKey)] {
            guard let path else { continue }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw failure(.unreadable, key, "\(path) does not exist or cannot be read by this user")
            }
        }
        if let certificate = settings.relay.tlsCertificate, let key = settings.relay.tlsKey {
            // The pair as serve loads it: PEM that parses, and a key that is the certificate's.
            do { _ = try TLSCertificateStore(certificatePath: certificate, keyPath: key) } catch {
                throw failure(error.code == .unreadable ? .unreadable : .badValue, error.path == key ? .tlsKey : .tlsCert, error.description)
            }
        }
        if let passwordFile = settings.relay.databasePasswordFile, !FileManager.default.isReadableFile(atPath: passwordFile) {
            throw failure(.unreadable, .storePasswordFile, "\(passwordFile) does not exist or cannot be read by this user")
        }
        let data = settings.relay.dataDirectory
        var isDirectory: ObjCBool = false
        if settings.relay.database != nil {
            // The database is reached when serve starts; check-config does not connect.
        } else if FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw failure(.badValue, .dataDir, "\(data) is not a directory") }
            guard FileManager.default.isWritableFile(atPath: data) else {
                throw failure(.unreadable, .dataDir, "\(data) cannot be written by this user")
            }
        } else {
            let parent = URL(fileURLWithPath: data).deletingLastPathComponent().path
            guard FileManager.default.isWritableFile(atPath: parent) else {
                throw failure(.unreadable, .dataDir, "\(data) does not exist and \(parent) cannot be written to make it")
            }
        }
        do { try RelayLauncher.checkWebPage(settings.relay.web, organisationKey: keyring.organisation.signKey) } catch {
            throw ServeOptionsError(code: .badValue, message: error.message)
        }
    }
}
