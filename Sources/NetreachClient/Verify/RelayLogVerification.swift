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
    /// The relay's log records from `from`, at most `limit` (supervisors only). Payloads other than
    /// checkpoints' are dropped once checked unless `keepingPayloads`.
    public func records(from: UInt64, limit: Int = 500, keepingPayloads: Bool = false) async throws -> RelayRecordsPage {
        let rid = "records-\(from)"
        let connection = try self.connection
        connection.send(["t": "records", "rid": rid, "from": Int(from), "limit": limit])
        var records: [RecordedEvent] = []
        while true {
            guard let received = await connection.inbox.next(timeout: .seconds(30), where: { $0.message.rid == rid }) else {
                if let violation = await connection.violation { throw Failure(reason: .protocolError, description: violation) }
                throw Failure(reason: .unreachable, description: "the relay did not answer the records request")
            }
            switch received.message {
            case .record(_, let record, let includesPayload):
                try Self.checkPayload(of: record, included: includesPayload)
                // Only checkpoints are read again; other payloads were checked and need not stay in memory.
                records.append(keepingPayloads || record.stream.value == "system" ? record : record.withoutPayload)
            case .records(_, let head, let next):
                return RelayRecordsPage(records: records, head: head, next: next)
            case .error(_, let error) where error.code == .damaged:
                throw RelayLogCheck.Problem(position: nil, message: "the relay reports that its log is damaged: \(error.message)")
            case .error(_, let error):
                throw Failure(reason: .protocolError, description: "the relay refused the records request: \(error.message)")
            default:
                throw Failure(reason: .protocolError, description: "the relay answered the records request with \(received.message.type)")
            }
        }
    }
}

extension StaffSession {
    /// Recomputes a record's payload hash from the payload the relay sent: the chain covers only the
    /// hash, so a payload altered on the relay's disk (with its frame checksum made right) shows here.
    static func checkPayload(of record: RecordedEvent, included: Bool) throws {
        guard !record.isRedacted else { return }
        guard included else {
            throw RelayLogCheck.Problem(position: record.position, message: "the relay did not send this record's payload, so its hash cannot be checked")
        }
        guard record.payload.count == record.payloadLength,
              (try? Digest32(GenericHash.hash(record.payload, outputCount: 32))) == record.payloadHash else {
            throw RelayLogCheck.Problem(position: record.position, message: "payload does not match its hash")
        }
    }
}

extension RecordedEvent {
    /// The same record without its payload bytes (every field the chain covers stays).
    var withoutPayload: RecordedEvent {
        RecordedEvent(position: position, stream: stream, streamVersion: streamVersion, id: id, type: type, author: author,
                      timeMilliseconds: timeMilliseconds, metadata: metadata, payload: [], payloadLength: payloadLength,
                      payloadHash: payloadHash, chain: chain, isRedacted: isRedacted)
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
        /// Records in the supervisor's copy of the relay's log (`NetreachHome.relayLogPath`) after this run.
        public let copiedRecords: UInt64
        /// Why the copy could not be brought up to date, if it could not (it is then left as it was).
        public let copyProblem: String?
        /// Records of the copy zeroed in this run because the relay had erased them since they were copied.
        public let copyErased: Int
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
        // The complete copy of the relay's log: every record, payloads included, appended as pages
        // arrive; `LogMirror.append` checks each record's chain and payload hash as it goes.
        var copyProblem: String?
        var mirror: LogMirror?
        do { mirror = try LogMirror(directory: workspace.home.relayLogPath) } catch {
            copyProblem = "your copy of the relay's log in \(workspace.home.relayLogPath) cannot be opened: \(error)"
        }
        defer { mirror?.close() }
        var pages: [RelayRecordsPage] = []
        var from: UInt64 = 0
        while true {
            let full = try await workspace.session.records(from: from, keepingPayloads: copyProblem == nil)
            if let mirror, copyProblem == nil {
                do { try mirror.append(full.records, logID: full.head.logID) } catch {
                    copyProblem = "your copy of the relay's log in \(workspace.home.relayLogPath) was not updated (it is kept as it was): \(error)"
                }
            }
            let page = RelayRecordsPage(records: full.records.map { $0.stream.value == "system" ? $0 : $0.withoutPayload },
                                        head: full.head, next: full.next)
            pages.append(page)
            if page.next >= page.head.count || page.records.isEmpty { break }
            from = page.next
        }
        let head = pages.last!.head
        // What the relay erased since the copy took it is erased in the copy too (docs/PRIVACY.md).
        var copyErased = 0
        if copyProblem == nil, let mirror {
            let erased = Set(pages.flatMap { $0.records.filter(\.isRedacted).map(\.position) })
            do { copyErased = try mirror.redact(positions: erased) } catch {
                copyProblem = "your copy of the relay's log in \(workspace.home.relayLogPath) still holds content the relay erased "
                    + "(zeroing it failed: \(error)); run netreach verify again"
            }
        }
        if copyProblem == nil, let copied = mirror?.head, copied.count > head.count {
            copyProblem = "the relay's log has \(head.count) records and your copy in \(workspace.home.relayLogPath) \(copied.count): "
                + "the relay lost records that your copy holds; keep the copy (netreach-relay restore --from-replica, docs/OPERATIONS.md)"
        }
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
        let relayKey = try workspace.session.connection.relayKey
        let keyring = workspace.session.keyring
        // A deployment that certifies its relays: the one answering must be one of them, not revoked.
        if !keyring.relays.isEmpty, !keyring.activeRelayKeys.contains(relayKey) {
            throw RelayLogCheck.Problem(position: nil, message: keyring.isRevoked(relayKey)
                ? "the relay you reached signs with a key the organisation revoked: do not trust it; tell the supervisor"
                : "the relay you reached signs with a key the organisation never certified (Keys/relays): do not trust it; tell the supervisor")
        }
        var check = RelayLogCheck(relayKey: relayKey, certifiedRelays: Set(keyring.relays.map(\.signKey)), replica: replica)
        for page in pages { check.check(page.records, logID: head.logID) }
        check.finish(head: head)
        let against = check.isIntact ? saved.flatMap { check.extends($0) } : nil
        return Verdict(check: check, head: head, replicaEvents: replica.count, againstSaved: against,
                       copiedRecords: mirror?.head?.count ?? 0, copyProblem: copyProblem, copyErased: copyErased)
    }

    /// Whether some conversation or alert record is beyond what the replica holds.
    private static func needsMore(_ replica: [StoredEvent], _ pages: [RelayRecordsPage]) -> Bool {
        let held = Set(replica.map(\.position))
        return pages.contains { page in
            page.records.contains { record in
                let stream = record.stream.value
                return (stream.hasPrefix("conv:") || ConversationID.feedStreamNames.contains(stream)) && !record.isRedacted
                    && !held.contains(record.position)
            }
        }
    }
}
