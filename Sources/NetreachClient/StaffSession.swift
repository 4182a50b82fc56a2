import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import NetreachCore
public import Sodium

/// A staff member's authenticated connection to the relay: the verified keyring, the WebSocket,
/// and the operations every command needs (catch the replica up, append an event).
public final class StaffSession: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Reason: Sendable, Equatable { case unreachable, refused, revoked, keyring, protocolError }
        public let reason: Reason
        public let description: String
    }

    private let link: RelayConnection?
    public let credentials: StaffCredentials
    public let keyring: Keyring
    public let relay: String
    /// Why the relay could not be reached, for a session opened offline (read from the replica only).
    public let offlineBecause: String?

    private init(link: RelayConnection?, credentials: StaffCredentials, keyring: Keyring, relay: String, offlineBecause: String? = nil) {
        self.link = link
        self.credentials = credentials
        self.keyring = keyring
        self.relay = relay
        self.offlineBecause = offlineBecause
    }

    /// The connection to the relay; an offline session has none, and says so.
    public var connection: RelayConnection {
        get throws(Failure) {
            guard let link else {
                throw Failure(reason: .unreachable, description: "offline: the relay at \(relay) cannot be reached (\(offlineBecause ?? "?")); "
                              + "nothing was sent")
            }
            return link
        }
    }

    public var isOffline: Bool { link == nil }

    /// The keys whose erasure records (`content.erased`) this client applies: the relay it is
    /// connected to, and every relay the organisation certified (revoked ones too: what a relay
    /// recorded before its revocation stands, as `netreach verify` accepts it).
    public var relayKeys: Set<SigningPublicKey> {
        Set(keyring.relays.map(\.signKey)).union(link.map { [$0.relayKey] } ?? [])
    }

    /// A session without a relay, for reading the replica: the keyring is the one saved at the last
    /// login or command, verified again under the organisation key.
    public static func offline(relay: String, credentials: StaffCredentials, organisation: OrganisationPublicKey, keyringFile: String,
                               because reason: String) throws(Failure) -> StaffSession {
        guard let data = FileManager.default.contents(atPath: keyringFile) else {
            throw Failure(reason: .unreachable, description: "\(reason); and there is no saved keyring (\(keyringFile)) to read the replica "
                          + "with offline: run a command once while the relay is reachable")
        }
        let keyring = try parseKeyring(data, organisation: organisation, from: keyringFile)
        return StaffSession(link: nil, credentials: credentials, keyring: keyring, relay: relay, offlineBecause: reason)
    }

    /// Fetches and verifies the keyring, connects, and answers the challenge.
    /// `keyringFile`: where the verified keyring document is saved, for reading offline later.
    public static func open(relay: String, credentials: StaffCredentials, organisation: OrganisationPublicKey,
                            keyringFile: String? = nil) async throws(Failure) -> StaffSession {
        let base = try baseURL(relay)
        let (keyring, document) = try await fetchKeyring(base: base, organisation: organisation)
        if let keyringFile { try? KeyFileStorage.writeAtomically(Array(document), to: keyringFile, permissions: 0o644, replacing: true) }
        if keyring.isRevoked(credentials.signing.publicKey) {
            throw Failure(reason: .revoked, description: "your key (\(credentials.name)) has been revoked by the organisation")
        }
        guard keyring.member(signKey: credentials.signing.publicKey) != nil else {
            throw Failure(reason: .refused, description: "your key (\(credentials.name), \(credentials.fingerprint)) is not enrolled at this relay")
        }
        let wsURL = (base.hasPrefix("https://") ? "wss://" + base.dropFirst(8) : "ws://" + base.dropFirst(7)) + "/v1/ws"
        let connection: RelayConnection
        do {
            connection = try await RelayConnection(url: wsURL, tls: base.hasPrefix("https://") ? .makeClientConfiguration() : nil)
        } catch {
            throw Failure(reason: .unreachable, description: "cannot reach the relay at \(relay): \(error)")
        }
        let answer = await connection.authenticate(credentials.signing, role: .staff)
        switch answer?.message {
        case .ready(.staff, _, _, _):
            break
        case .error(_, let error):
            await connection.close()
            if error.code == .revokedKey { throw Failure(reason: .revoked, description: "the relay says your key has been revoked") }
            throw Failure(reason: .refused, description: "the relay refused the login: \(error.message)")
        case let other:
            let why = await connection.violation ?? other.map { "it answered \($0.type)" } ?? "no answer"
            await connection.close()
            throw Failure(reason: .refused, description: "the relay refused the login: \(why)")
        }
        return StaffSession(link: connection, credentials: credentials, keyring: keyring, relay: relay)
    }

    public func close() async { await link?.close() }

    /// Subscribes from the replica's next position and stores everything up to `live`, checking each
    /// event's signature; returns the number of new events. The subscription then stays open:
    /// `next()` on the connection yields live events.
    @discardableResult
    public func sync(into replica: LocalReplica) async throws -> Int {
        let connection = try self.connection
        let from = (try await replica.lastRelayPosition()).map { $0 + 1 } ?? 0
        connection.send(["t": "subscribe", "from": from])
        var received = 0
        var batch: [StoredEvent] = []
        while true {
            guard let incoming = await connection.next(timeout: .seconds(30)) else {
                if let violation = await connection.violation { throw Failure(reason: .protocolError, description: violation) }
                throw Failure(reason: .unreachable, description: "the relay stopped answering while catching up")
            }
            switch incoming.message {
            case .event(let position, let version, let time, _, let bytes):
                batch.append(try Self.storedEvent(position: position, version: version, timeMilliseconds: time, bytes: bytes))
                received += 1
                if batch.count >= 512 {
                    try await replica.append(batch, relayKeys: relayKeys)
                    batch.removeAll(keepingCapacity: true)
                }
            case .live:
                try await replica.append(batch, relayKeys: relayKeys)
                return received
            case .error(_, let error):
                throw Failure(reason: .protocolError, description: "the relay refused: \(error.message)")
            default:
                continue
            }
        }
    }

    /// A relay `event` message as stored in the replica, checking the event's signature.
    public static func storedEvent(position: UInt64, version: UInt64, timeMilliseconds: UInt64, bytes: [UInt8]) throws -> StoredEvent {
        let event: Event
        do { event = try Event(bytes: bytes) } catch {
            throw Failure(reason: .protocolError, description: "the relay sent event \(position) that does not verify: \(error)")
        }
        return StoredEvent(position: position, version: version, timeMilliseconds: timeMilliseconds, event: event)
    }

    /// The stored form of a live `event` message, or nil for any other message.
    public static func storedEvent(_ received: RelayMessage) throws -> StoredEvent? {
        guard case .event(let position, let version, let time, _, let bytes) = received.message else { return nil }
        return try storedEvent(position: position, version: version, timeMilliseconds: time, bytes: bytes)
    }

    /// Appends one event; returns the relay's acknowledgement or its refusal as a `ProtocolError`.
    public func append(_ event: Event, expect: UInt64? = nil) async throws -> (position: UInt64, version: UInt64, duplicate: Bool) {
        let rid = Hex.encode(event.id)
        guard let answer = try await connection.append(event, rid: rid, expect: expect) else {
            throw Failure(reason: .unreachable, description: "no answer from the relay (the event may be stored; retrying is safe)")
        }
        switch answer.message {
        case .ack(_, let position, let version, let duplicate): return (position, version, duplicate)
        case .error(_, let error): throw error
        default: throw Failure(reason: .protocolError, description: "the relay answered an append with \(answer.message.type)")
        }
    }

    // MARK: Keyring

    /// The relay's keyring, verified under the organisation key; it is public, so no login is needed.
    public static func keyring(relay: String, organisation: OrganisationPublicKey) async throws(Failure) -> Keyring {
        try await fetchKeyring(base: try baseURL(relay), organisation: organisation).keyring
    }

    static func baseURL(_ relay: String) throws(Failure) -> String {
        var base = relay
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://"), URL(string: base)?.host != nil else {
            throw Failure(reason: .unreachable, description: "the relay address must look like https://relay.example.org or http://127.0.0.1:8080, got '\(relay)'")
        }
        return base
    }

    /// `GET /v1/keyring`, verified under the organisation key this machine was given out of band.
    static func fetchKeyring(base: String, organisation: OrganisationPublicKey) async throws(Failure) -> (keyring: Keyring, document: Data) {
        let data: Data
        do {
            var request = URLRequest(url: URL(string: base + "/v1/keyring")!)
            request.timeoutInterval = 10
            let (body, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw Failure(reason: .unreachable, description: "the relay at \(base) did not serve its keyring")
            }
            data = body
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: .unreachable, description: "cannot reach the relay at \(base): \(error.localizedDescription)")
        }
        return (try parseKeyring(data, organisation: organisation, from: base), data)
    }

    /// The keyring document (`{"org","staff","revoked"}`, and `"relays"` when the deployment
    /// certifies its relays), verified under the organisation key.
    static func parseKeyring(_ data: Data, organisation: OrganisationPublicKey, from source: String) throws(Failure) -> Keyring {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let org = document["org"] as? String,
              let staff = document["staff"] as? [String], let revoked = document["revoked"] as? [String]
        else { throw Failure(reason: .keyring, description: "the keyring document from \(source) is malformed") }
        // Absent from a relay older than relay certificates: none then. Present, it must be a list of texts.
        let relays = document["relays"].map { $0 as? [String] } ?? []
        guard let relays else { throw Failure(reason: .keyring, description: "the keyring document from \(source) is malformed (relays)") }
        guard Array(org.utf8) == organisation.fileBytes else {
            throw Failure(reason: .keyring, description: "the relay serves another organisation's key than yours (\(organisation.fingerprint)); do not use it")
        }
        do {
            return try Keyring(organisation: organisation,
                               certificates: staff.enumerated().map { KeyFile(label: "staff[\($0.offset)]", bytes: Array($0.element.utf8)) },
                               revocations: revoked.enumerated().map { KeyFile(label: "revoked[\($0.offset)]", bytes: Array($0.element.utf8)) },
                               relays: relays.enumerated().map { KeyFile(label: "relays[\($0.offset)]", bytes: Array($0.element.utf8)) })
        } catch {
            throw Failure(reason: .keyring, description: "the relay's keyring does not verify under your organisation key: \(error)")
        }
    }
}
