import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import NetreachCore
import Sodium

/// A staff member's authenticated connection to the relay: the verified keyring, the WebSocket,
/// and the operations every command needs (catch the replica up, append an event).
public final class StaffSession: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Reason: Sendable, Equatable { case unreachable, refused, revoked, keyring, protocolError }
        public let reason: Reason
        public let description: String
    }

    public let connection: RelayConnection
    public let credentials: StaffCredentials
    public let keyring: Keyring
    public let relay: String

    private init(connection: RelayConnection, credentials: StaffCredentials, keyring: Keyring, relay: String) {
        self.connection = connection
        self.credentials = credentials
        self.keyring = keyring
        self.relay = relay
    }

    /// Fetches and verifies the keyring, connects, and answers the challenge.
    public static func open(relay: String, credentials: StaffCredentials, organisation: OrganisationPublicKey) async throws(Failure) -> StaffSession {
        let base = try baseURL(relay)
        let keyring = try await fetchKeyring(base: base, organisation: organisation)
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
        guard let answer, answer["t"] as? String == "ready" else {
            await connection.close()
            let code = answer?["code"] as? String
            if code == "revokedKey" { throw Failure(reason: .revoked, description: "the relay says your key has been revoked") }
            throw Failure(reason: .refused, description: "the relay refused the login: \(answer?["message"] as? String ?? "no answer")")
        }
        return StaffSession(connection: connection, credentials: credentials, keyring: keyring, relay: relay)
    }

    public func close() async { await connection.close() }

    /// Subscribes from the replica's next position and stores everything up to `live`, checking each
    /// event's signature; returns the number of new events. The subscription then stays open:
    /// `next()` on the connection yields live events.
    @discardableResult
    public func sync(into replica: LocalReplica) async throws -> Int {
        let from = (try await replica.lastRelayPosition()).map { $0 + 1 } ?? 0
        connection.send(["t": "subscribe", "from": from])
        var received = 0
        var batch: [StoredEvent] = []
        while true {
            guard let message = await connection.next(timeout: .seconds(30)) else {
                throw Failure(reason: .unreachable, description: "the relay stopped answering while catching up")
            }
            switch message["t"] as? String {
            case "event":
                batch.append(try Self.storedEvent(message))
                received += 1
                if batch.count >= 512 {
                    try await replica.append(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            case "live":
                try await replica.append(batch)
                return received
            case "error":
                throw Failure(reason: .protocolError, description: "the relay refused: \(message["message"] as? String ?? "?")")
            default:
                continue
            }
        }
    }

    /// Parses a relay `event` message, checking the event's signature.
    public static func storedEvent(_ message: [String: any Sendable]) throws -> StoredEvent {
        guard let position = message["position"] as? Int, let version = message["version"] as? Int, let time = message["time"] as? Int,
              let text = message["event"] as? String
        else { throw Failure(reason: .protocolError, description: "the relay sent an event message without its fields") }
        let bytes: [UInt8]
        do { bytes = try Base64URL.decode(text) } catch {
            throw Failure(reason: .protocolError, description: "the relay sent an event that is not b64u")
        }
        return StoredEvent(position: UInt64(position), version: UInt64(version), timeMilliseconds: UInt64(time), event: try Event(bytes: bytes))
    }

    /// Appends one event; returns the relay's acknowledgement or its refusal as a `ProtocolError`.
    public func append(_ event: Event, expect: UInt64? = nil) async throws -> (position: UInt64, version: UInt64, duplicate: Bool) {
        let rid = Hex.encode(event.id)
        guard let answer = await connection.append(event, rid: rid, expect: expect) else {
            throw Failure(reason: .unreachable, description: "no answer from the relay (the event may be stored; retrying is safe)")
        }
        if answer["t"] as? String == "ack", let position = answer["position"] as? Int, let version = answer["version"] as? Int {
            return (UInt64(position), UInt64(version), answer["duplicate"] as? Bool ?? false)
        }
        let code = answer["code"] as? String ?? "?"
        let message = answer["message"] as? String ?? "refused"
        throw ProtocolError(ProtocolError.Code.all.first { $0.name == code } ?? .malformed, message)
    }

    // MARK: Keyring

    /// The relay's keyring, verified under the organisation key; it is public, so no login is needed.
    public static func keyring(relay: String, organisation: OrganisationPublicKey) async throws(Failure) -> Keyring {
        try await fetchKeyring(base: try baseURL(relay), organisation: organisation)
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
    static func fetchKeyring(base: String, organisation: OrganisationPublicKey) async throws(Failure) -> Keyring {
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
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let org = document["org"] as? String,
              let staff = document["staff"] as? [String], let revoked = document["revoked"] as? [String]
        else { throw Failure(reason: .keyring, description: "the relay's keyring document is malformed") }
        guard Array(org.utf8) == organisation.fileBytes else {
            throw Failure(reason: .keyring, description: "the relay serves another organisation's key than yours (\(organisation.fingerprint)); do not use it")
        }
        do {
            return try Keyring(organisation: organisation,
                               certificates: staff.enumerated().map { KeyFile(label: "staff[\($0.offset)]", bytes: Array($0.element.utf8)) },
                               revocations: revoked.enumerated().map { KeyFile(label: "revoked[\($0.offset)]", bytes: Array($0.element.utf8)) })
        } catch {
            throw Failure(reason: .keyring, description: "the relay's keyring does not verify under your organisation key: \(error)")
        }
    }
}
