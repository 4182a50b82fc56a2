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

    public var credentials: StaffCredentials { session.credentials }
    public var keyring: Keyring { session.keyring }

    /// Opens and catches up. On failure everything opened so far is closed again.
    public static func open(home: NetreachHome, passphrase: SecureBytes) async throws -> StaffWorkspace {
        let settings = try ClientSettings.load(home: home)
        return try await open(home: home, credentials: try StaffCredentials.load(home: home, name: settings.name, passphrase: passphrase))
    }

    /// Opens and catches up with keys already at hand (from the unlock agent, or kept by `chat` to reconnect).
    public static func open(home: NetreachHome, credentials: StaffCredentials) async throws -> StaffWorkspace {
        let settings = try ClientSettings.load(home: home)
        let organisation = try OrganisationPublicKey(parsing: try KeyFileStorage.read(path: home.organisationKeyPath),
                                                     fileName: home.organisationKeyPath)
        let replica = LocalReplica(directory: home.replicaPath)
        let session: StaffSession
        do {
            session = try await StaffSession.open(relay: settings.relay, credentials: credentials, organisation: organisation)
        } catch {
            await replica.close()
            throw error
        }
        do {
            try await session.sync(into: replica)
        } catch {
            await session.close()
            await replica.close()
            throw error
        }
        return StaffWorkspace(home: home, settings: settings, organisation: organisation, session: session, replica: replica)
    }

    public func close() async {
        await session.close()
        await replica.close()
    }
}
