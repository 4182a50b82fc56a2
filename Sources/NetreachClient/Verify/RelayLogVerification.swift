import Foundation
public import EventLog
public import NetreachCore
import Sodium

/// One page of a `records` answer (docs/PROTOCOL.md, "Records").
public struct RelayRecordsPage: Sendable {
    public let records: [RecordedEvent]
    public let head: LogHead
    public let next: UInt64
}

extension StaffSession {
    /// The relay's log records from `from`, at most `limit` (supervisors only).
    public func records(from: UInt64, limit: Int = 500) async throws -> RelayRecordsPage {
        let rid = "records-\(from)"
        connection.send(["t": "records", "rid": rid, "from": Int(from), "limit": limit])
        var records: [RecordedEvent] = []
        while true {
            guard let message = await connection.inbox.next(timeout: .seconds(30), where: { $0["rid"] as? String == rid }) else {
                throw Failure(reason: .unreachable, description: "the relay did not answer the records request")
            }
            switch message["t"] as? String {
            case "record":
                records.append(try Self.record(message))
            case "records":
                guard let log = message["log"] as? String, let count = message["count"] as? Int, let chain = message["chain"] as? String,
                      let next = message["next"] as? Int, let logID = try? LogID(Base64URL.decode(log)),
                      let digest = try? Digest32(Base64URL.decode(chain)) else {
                    throw Failure(reason: .protocolError, description: "the relay's records answer is malformed")
                }
                return RelayRecordsPage(records: records, head: LogHead(logID: logID, count: UInt64(count), chain: digest), next: UInt64(next))
            case "error":
                throw Failure(reason: .protocolError, description: "the relay refused the records request: \(message["message"] as? String ?? "")")
            default:
                throw Failure(reason: .protocolError, description: "the relay answered the records request with \(message["t"] ?? "nothing")")
            }
        }
    }

    static func record(_ message: [String: any Sendable]) throws -> RecordedEvent {
        func bytes(_ name: String) throws -> [UInt8] {
            guard let text = message[name] as? String, let value = try? Base64URL.decode(text) else {
                throw Failure(reason: .protocolError, description: "a record's \(name) is missing or not b64u")
            }
            return value
        }
        guard let position = message["position"] as? Int, let stream = message["stream"] as? String, let version = message["version"] as? Int,
              let type = message["type"] as? String, let time = message["time"] as? Int, let length = message["length"] as? Int,
              let redacted = message["redacted"] as? Bool,
              let streamName = try? StreamName(stream), let eventType = try? EventType(type) else {
            throw Failure(reason: .protocolError, description: "a record from the relay is malformed")
        }
        let payload = message["payload"] is String ? try bytes("payload") : []
        do {
            return RecordedEvent(position: UInt64(position), stream: streamName, streamVersion: UInt64(version), id: try EventID(try bytes("id")),
                                 type: eventType, author: try AuthorID(try bytes("author")), timeMilliseconds: UInt64(time),
                                 metadata: try bytes("metadata"), payload: payload, payloadLength: length,
                                 payloadHash: try Digest32(try bytes("payloadHash")), chain: try Digest32(try bytes("chain")), isRedacted: redacted)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: .protocolError, description: "a record from the relay is malformed: \(error)")
        }
    }
}

/// A relay-signed checkpoint a supervisor keeps, to show later that the log was only appended to.
public struct SavedCheckpoint: Sendable {
    public static let magic = "netreach-checkpoint-v1"
    public let checkpoint: Checkpoint

    public init(_ checkpoint: Checkpoint) { self.checkpoint = checkpoint }

    public var text: String {
        [SavedCheckpoint.magic, "log: \(Base64URL.encode(checkpoint.head.logID.bytes))", "count: \(checkpoint.head.count)",
         "chain: \(Base64URL.encode(checkpoint.head.chain.bytes))", "signer: \(Base64URL.encode(checkpoint.signer.bytes))",
         "signature: \(Base64URL.encode(checkpoint.signature.bytes))"].joined(separator: "\n") + "\n"
    }

    /// Reads the file; refuses anything else, and a signature that does not verify.
    public init(text: String) throws(IncidentError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        func value(_ index: Int, _ name: String) throws(IncidentError) -> String {
            guard index < lines.count, lines[index].hasPrefix(name + ": ") else {
                throw IncidentError(.malformed, "a saved checkpoint has the line '\(name): …' as line \(index + 1)")
            }
            return String(lines[index].dropFirst(name.count + 2))
        }
        guard lines.count == 6, lines[0] == SavedCheckpoint.magic else {
            throw IncidentError(.malformed, "a saved checkpoint starts with '\(SavedCheckpoint.magic)' and has 6 lines")
        }
        guard let log = try? LogID(Base64URL.decode(try value(1, "log"))), let count = UInt64(try value(2, "count")),
              let chain = try? Digest32(Base64URL.decode(try value(3, "chain"))),
              let signer = try? SigningPublicKey(Base64URL.decode(try value(4, "signer"))),
              let signature = try? Signature(Base64URL.decode(try value(5, "signature"))),
              let checkpoint = try? Checkpoint(head: LogHead(logID: log, count: count, chain: chain), signer: signer, signature: signature),
              checkpoint.isValid else {
            throw IncidentError(.malformed, "the saved checkpoint does not read, or its signature does not verify")
        }
        self.checkpoint = checkpoint
    }
}

/// `netreach verify`: the replica's own integrity, then the relay's log against it.
public enum RelayLogVerification {
    public struct Verdict: Sendable {
        public let check: RelayLogCheck
        public let head: LogHead
        public let replicaEvents: Int
        /// The problem with the saved checkpoint, if one was given and the log does not extend it.
        public let againstSaved: RelayLogCheck.Problem?
        public var problem: RelayLogCheck.Problem? { check.problem ?? againstSaved }
    }

    public static func run(workspace: StaffWorkspace, saved: Checkpoint?) async throws -> Verdict {
        let work = ConversationWork(workspace: workspace)
        // The replica's own files: checksums and its own chain, then every event's signature.
        do {
            _ = try LogVerifier.verify(directory: workspace.replica.directory)
        } catch {
            let problem = RelayLogCheck.Problem(position: error.position, message: "your replica itself is damaged: \(error.message)")
            throw problem
        }
        // The relay's records, page by page, then the replica caught up to at least as far.
        var pages: [RelayRecordsPage] = []
        var from: UInt64 = 0
        while true {
            let page = try await workspace.session.records(from: from)
            pages.append(page)
            if page.next >= page.head.count || page.records.isEmpty { break }
            from = page.next
        }
        let head = pages.last!.head
        var replica: [StoredEvent] = []
        for _ in 0..<50 {
            try await work.catchUp()
            replica = try await workspace.replica.allEvents()
            if (replica.last?.position ?? 0) + 1 >= head.count || !needsMore(replica, pages) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for stored in replica {
            guard (try? Event(bytes: stored.event.bytes)) != nil else {
                throw RelayLogCheck.Problem(position: stored.position, message: "an event in your replica does not verify against its author's signature")
            }
        }
        var check = RelayLogCheck(relayKey: workspace.session.connection.relayKey, replica: replica)
        for page in pages { check.check(page.records, logID: head.logID) }
        check.finish(head: head)
        let against = check.isIntact ? saved.flatMap { check.extends($0) } : nil
        return Verdict(check: check, head: head, replicaEvents: replica.count, againstSaved: against)
    }

    /// Whether some conversation or alert record is beyond what the replica holds.
    private static func needsMore(_ replica: [StoredEvent], _ pages: [RelayRecordsPage]) -> Bool {
        let held = Set(replica.map(\.position))
        return pages.contains { page in
            page.records.contains { ($0.stream.value.hasPrefix("conv:") || $0.stream.value == "alerts") && !held.contains($0.position) }
        }
    }
}
