import EventLog
import EventLogPostgres
import Foundation
import Hummingbird
public import Logging
public import NetreachCore
import ServiceLifecycle
import UnixSignals
public import Sodium

/// Wires a relay together from its configuration and runs it until SIGTERM or SIGINT: the log,
/// the keyring (reloaded on SIGHUP), the relay key, the server, and checkpoints. On shutdown,
/// in-flight appends finish, sockets close, a last checkpoint is signed and the log is closed.
public enum RelayLauncher {
    public static func run(configuration: RelayConfiguration, relayKey: SigningKeyPair, powBits: Int,
                           opensPerAddressPerHour: Int = 30, behindProxy: Bool = false, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let keyring = try Keyring.load(directory: configuration.keysDirectory)
        try checkWebPage(configuration.web, organisationKey: keyring.organisation.signKey)
        try checkCertified(relayKey.publicKey, in: keyring)
        // Before the log is opened: a relay that cannot serve its certificate touches nothing.
        var certificates: TLSCertificateStore?
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            do { certificates = try TLSCertificateStore(certificatePath: certificate, keyPath: key) } catch {
                throw RelayConfiguration.Error(message: "TLS: \(error)")
            }
        }
        let store = try await openLog(configuration, owner: keyring.organisation.signKey.bytes, logger: logger)
        if behindProxy {
            logger.notice("behind a proxy: every visitor arrives from one address, so the per-address opens limit is off",
                          metadata: ["opens-per-address-per-hour": "\(opensPerAddressPerHour)"])
        }
        logger.info("log open", metadata: ["events": "\(store.currentHead().count)", "staff": "\(keyring.active.count)",
                                           "store": "\(configuration.database.map { "\($0)" } ?? "file")",
                                           // What `netreach org certify-relay` needs: public, never the private key.
                                           "relay-key": "\(Base64URL.encode(relayKey.publicKey.bytes))",
                                           "relay-fingerprint": "\(Fingerprint(signKey: relayKey.publicKey))",
                                           "tasks": "\(RelayExecutor.tasksRunOnEventLoops ? "event-loops" : "default-pool")"])
        let core = RelayCore(store: store, relayKey: relayKey, directory: keyring, powBits: powBits,
                             opensPerAddressPerHour: opensPerAddressPerHour, retentionDefault: configuration.web.settings.retention,
                             logger: logger)
        let application = try RelayServer.makeApplication(core: core, configuration: configuration, certificates: certificates,
                                                          logger: logger, onServerRunning: onServerRunning)
        let checkpoints = CheckpointService(core: core, logger: logger)
        let reloader = RelayReloader(core: core, directory: configuration.keysDirectory, certificates: certificates, logger: logger)
        let retention = RetentionService(engine: core.retention, logger: logger)
        var group = ServiceGroupConfiguration(services: [application, checkpoints, reloader, retention],
                                              gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(10)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            await finish(core: core, checkpoints: checkpoints, logger: logger)
            throw error
        }
        await finish(core: core, checkpoints: checkpoints, logger: logger)
    }

    /// A deployment that certifies its relays (Keys/relays) runs only relays whose key it certified
    /// and did not revoke: clients would refuse the checkpoints of any other. One that certifies
    /// none has one relay, whose key clients take from its hello.
    static func checkCertified(_ key: SigningPublicKey, in keyring: Keyring) throws {
        guard !keyring.relays.isEmpty, !keyring.activeRelayKeys.contains(key) else { return }
        let fingerprint = Fingerprint(signKey: key)
        throw RelayConfiguration.Error(message: keyring.isRevoked(key)
            ? "this relay's key (\(fingerprint)) is revoked in the keyring: make a new key and have the organisation certify it"
            : "this relay's key (\(fingerprint)) is not certified in the keyring's relays/ folder: have the organisation certify it "
                + "(netreach org certify-relay) or remove relays/ for a deployment of one relay")
    }

    /// The log: in the data directory (saying what its recovery did), or in the PostgreSQL database.
    /// `owner`: the deployment's organisation key, which a database log must belong to.
    static func openLog(_ configuration: RelayConfiguration, owner: [UInt8], logger: Logger) async throws -> any EventStore {
        if let database = configuration.database {
            var password = ProcessInfo.processInfo.environment["NETREACH_STORE_PASSWORD"]
            if let file = configuration.databasePasswordFile {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw RelayConfiguration.Error(message: "the store password file \(file) cannot be read")
                }
                password = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .newlines)
            }
            return try await PostgresEventStore.open(configurations: database.configurations(password: password), owner: owner, logger: logger)
        }
        let store = try FileEventStore(directory: configuration.dataDirectory)
        let report = store.recoveryReport
        if report.tornBytesCut > 0 {
            // One line saying what was cut: a torn last write, never acknowledged, kept in a file.
            logger.warning("cut a torn last write (never acknowledged)", metadata: [
                "position": "\(report.tornCutAt.map(String.init) ?? "?")", "bytes": "\(report.tornBytesCut)",
                "records": "\(report.tornRecordsCut)", "kept-in": "\(report.quarantinedAs ?? "-")",
            ])
        }
        if let segment = report.rolledFromFormat1 {
            logger.notice("closed the format-1 segment; new records are written in format 2", metadata: ["segment": "\(segment)"])
        }
        if let segment = report.removedIncompleteSegment {
            logger.notice("removed a segment whose creation a crash interrupted", metadata: ["segment": "\(segment)"])
        }
        return store
    }

    /// A relay whose visitor page would not work, or would trust another organisation key, does not start.
    public static func checkWebPage(_ web: WebConfiguration, organisationKey: SigningPublicKey) throws(RelayConfiguration.Error) {
        let problems = WebAssets.load(web).problems
        guard problems.isEmpty else {
            throw RelayConfiguration.Error(message: "the visitor web page is incomplete: " + problems.joined(separator: "; "))
        }
        if let pinned = web.settings.organisationKey, pinned != organisationKey {
            throw RelayConfiguration.Error(message: "the web configuration's organisationKey is not the keyring's org.pub key")
        }
    }

    private static func finish(core: RelayCore, checkpoints: CheckpointService, logger: Logger) async {
        await checkpoints.checkpoint()
        await core.store.close()
        logger.info("relay stopped", metadata: ["events": "\(core.store.currentHead().count)"])
    }
}

/// On SIGHUP, reloads the keyring (a revocation closes the revoked key's connections) and the TLS
/// certificate and key (new connections get the new pair; open ones keep theirs). Each part that
/// fails to load is refused with one log line, and the one in force stays.
struct RelayReloader: Service {
    let core: RelayCore
    let directory: String
    let certificates: TLSCertificateStore?
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        do {
            let keyring = try Keyring.load(directory: directory)
            await core.replaceDirectory(keyring)
            logger.info("keyring reloaded", metadata: ["staff": "\(keyring.active.count)", "revoked": "\(keyring.revocations.count)"])
        } catch {
            // A keyring that fails to verify is not applied: the one in force stays.
            logger.error("keyring reload refused; keeping the previous one", metadata: ["error": "\(error)"])
        }
        guard let certificates else { return }
        do {
            let served = try certificates.reload()
            logger.notice("TLS certificate reloaded; new connections get it", metadata: [
                "serial": "\(served.serial)", "not-valid-after": "\(served.notValidAfter.formatted(.iso8601))",
            ])
        } catch {
            // Only the path and the parser's reason: never a byte of the key.
            logger.error("TLS certificate reload refused; keeping the previous one", metadata: [
                "error": "\(error)", "serial-in-force": "\(certificates.served.serial)",
            ])
        }
    }
}
