import Foundation
public import NetreachCore
public import Sodium

/// Everything a work command needs, opened in the usual order: the settings `login` saved, the
/// organisation key, the staff member's keys (passphrase), the relay session and the caught-up replica.
public struct StaffWorkspace: Sendable {
    public let home: NetreachHome
    public let settings: ClientSettings
    public let organisation: OrganisationPublicKey
    public let session: StaffSession
    public let replica: LocalReplica
    /// This staff member's period keys still held (docs/KEYS.md, "Period keys").
    public private(set) var periodKeys: [HeldPeriodKey] = []
    /// What the period keys' upkeep has to say (a key destroyed, one that could not be published).
    public private(set) var periodNotes: [String] = []

    public var credentials: StaffCredentials { session.credentials }
    public var keyring: Keyring { session.keyring }

    /// Opens and catches up. On failure everything opened so far is closed again.
    public static func open(home: NetreachHome, passphrase: SecureBytes) async throws -> StaffWorkspace {
        let settings = try ClientSettings.load(home: home)
        return try await open(home: home, credentials: try StaffCredentials.load(home: home, name: settings.name, passphrase: passphrase))
    }

    /// Opens and catches up with keys already at hand (from the unlock agent, or kept by `chat` to
    /// reconnect). With `allowOffline`, a relay that cannot be reached opens the workspace offline:
    /// the replica as it is, read with the keyring saved last time; anything that must write fails.
    public static func open(home: NetreachHome, credentials: StaffCredentials, allowOffline: Bool = false) async throws -> StaffWorkspace {
        let settings = try ClientSettings.load(home: home)
        let organisation = try OrganisationPublicKey(parsing: try KeyFileStorage.read(path: home.organisationKeyPath),
                                                     fileName: home.organisationKeyPath)
        let replica = LocalReplica(directory: home.replicaPath)
        let session: StaffSession
        do {
            session = try await StaffSession.open(relay: settings.relay, credentials: credentials, organisation: organisation,
                                                  keyringFile: home.keyringPath)
        } catch let failure where allowOffline && failure.reason == .unreachable {
            do {
                session = try StaffSession.offline(relay: settings.relay, credentials: credentials, organisation: organisation,
                                                   keyringFile: home.keyringPath, because: failure.description)
            } catch {
                await replica.close()
                throw error
            }
            var workspace = StaffWorkspace(home: home, settings: settings, organisation: organisation, session: session, replica: replica)
            (workspace.periodKeys, workspace.periodNotes, _) = await PeriodKeyUpkeep.run(home: home, credentials: credentials, session: session,
                                                                                        replica: replica, now: Self.now())
            return workspace
        } catch {
            await replica.close()
            throw error
        }
        do {
            try await session.sync(into: replica)
            if let position = try await replica.lastRelayPosition() {
                let line = "\(position) \(UInt64(Date().timeIntervalSince1970 * 1000))\n"
                try? KeyFileStorage.writeAtomically(Array(line.utf8), to: home.syncedPath, permissions: 0o600, replacing: true)
            }
        } catch {
            await session.close()
            await replica.close()
            throw error
        }
        var workspace = StaffWorkspace(home: home, settings: settings, organisation: organisation, session: session, replica: replica)
        let published: Bool
        (workspace.periodKeys, workspace.periodNotes, published) = await PeriodKeyUpkeep.run(home: home, credentials: credentials,
                                                                                            session: session, replica: replica, now: Self.now())
        // What was published reaches the replica with the next sync: taken now, so that this command wraps to it.
        if published { _ = try? await session.sync(into: replica) }
        return workspace
    }

    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    /// The staff member's secrets for reading: enrolled keys and held period keys.
    public var secrets: StaffSecrets {
        StaffSecrets(signing: credentials.signing, box: credentials.box, periodBoxes: periodKeys.map(\.secret))
    }

    /// For an offline workspace, the line to show first: when the replica last caught up, and how far.
    public var offlineNote: String? {
        get async {
            guard session.isOffline else { return nil }
            let saved = (try? String(contentsOfFile: home.syncedPath, encoding: .utf8))?.split(separator: " ")
            let position = (try? await replica.lastRelayPosition()).flatMap { $0 }
            var when = "an unknown time"
            if let saved, saved.count == 2, let milliseconds = UInt64(saved[1].trimmingCharacters(in: .whitespacesAndNewlines)) {
                let formatter = DateFormatter()
                formatter.dateFormat = "yyyy-MM-dd HH:mm"
                when = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            }
            return "offline: as of \(when) (position \(position.map(String.init) ?? "none")): the relay cannot be reached, "
                + "so this is what your replica held then"
        }
    }

    public func close() async {
        await session.close()
        await replica.close()
    }
}
