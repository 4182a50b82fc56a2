import EventLog
import Foundation
import Logging
import NetreachClient
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// The supervisor's check of the relay's log (`netreach verify`), against a real relay's records,
/// intact and then altered each way a dishonest or broken relay could.
@Suite("Verification: the relay's log against the supervisor's replica")
struct RelayLogCheckTests {
    /// A relay log with two conversations and a signed checkpoint in the middle, its records, and the replica a supervisor would hold.
    struct Fixture {
        let relay: TestRelay
        let records: [RecordedEvent]
        let replica: [StoredEvent]
        let checkpoint: Checkpoint

        /// Runs `body` with the fixture; its relay is stopped and removed afterwards, whatever happens.
        static func with(_ body: (Fixture) async throws -> Void) async throws {
            try await OpenConversation.with { relay, deployment, visitor, client in
                for text in ["one", "two"] { _ = await client.append(try visitor.message(text)) }
                let service = CheckpointService(core: relay.core, logger: Logger(label: "test"))
                await service.checkpoint()
                let head = relay.core.store.currentHead()
                let checkpoint = Checkpoint(signing: LogHead(logID: head.logID, count: head.count - 1, chain: try #require(
                    try await relay.core.store.read(from: head.count - 2, maxCount: 1).first).chain), with: relay.core.relayKey)
                let other = VisitorClient()
                let second = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
                _ = await second.authenticate(other.identity.signing, role: .visitor)
                _ = await second.open(try other.openedEvent(for: deployment))
                _ = await second.append(try other.message("three"))
                await second.close()
                await client.close()
                let records = try await relay.core.store.read(from: 0, maxCount: 100)
                let replica = try records.filter { $0.stream.value.hasPrefix("conv:") }.map { record in
                    StoredEvent(position: record.position, version: record.streamVersion, timeMilliseconds: record.timeMilliseconds,
                                event: try Event(bytes: record.payload))
                }
                try await body(Fixture(relay: relay, records: records, replica: replica, checkpoint: checkpoint))
            }
        }

        func check(_ records: [RecordedEvent], replica: [StoredEvent]? = nil, key: SigningPublicKey? = nil) -> RelayLogCheck {
            var check = RelayLogCheck(relayKey: key ?? relay.core.relayKey.publicKey, replica: replica ?? self.replica)
            check.check(Array(records.prefix(3)), logID: relay.core.store.currentHead().logID)
            check.check(Array(records.dropFirst(3)), logID: relay.core.store.currentHead().logID)
            check.finish(head: relay.core.store.currentHead())
            return check
        }

        /// The record with its fields changed and its chain (and every later one's) recomputed: a consistent rewrite.
        func rewritten(at index: Int, time: UInt64) -> [RecordedEvent] {
            var out = Array(records.prefix(index))
            var previous = index == 0 ? RecordCodec.genesis(logID: relay.core.store.currentHead().logID) : records[index - 1].chain
            for (offset, record) in records.dropFirst(index).enumerated() {
                let changed = RecordedEvent(position: record.position, stream: record.stream, streamVersion: record.streamVersion, id: record.id,
                                            type: record.type, author: record.author, timeMilliseconds: offset == 0 ? time : record.timeMilliseconds,
                                            metadata: record.metadata, payload: record.payload, payloadLength: record.payloadLength,
                                            payloadHash: record.payloadHash, chain: record.chain, isRedacted: record.isRedacted)
                let chain = RecordCodec.chain(of: changed, previous: previous)
                out.append(RecordedEvent(position: record.position, stream: record.stream, streamVersion: record.streamVersion, id: record.id,
                                         type: record.type, author: record.author, timeMilliseconds: changed.timeMilliseconds,
                                         metadata: record.metadata, payload: record.payload, payloadLength: record.payloadLength,
                                         payloadHash: record.payloadHash, chain: chain, isRedacted: record.isRedacted))
                previous = chain
            }
            return out
        }
    }

    @Test("an honest log checks out: every record, the signed checkpoint in it, the head, and a saved checkpoint")
    func intact() async throws {
        try await Fixture.with { fixture in
            let check = fixture.check(fixture.records)
            #expect(check.isIntact, "\(String(describing: check.problem))")
            #expect(check.count == UInt64(fixture.records.count))
            #expect(check.checkpoints.count == 1)
            #expect(check.extends(fixture.checkpoint) == nil)
        }
    }

    @Test("an event the replica holds differently, a missing record, records out of order: each is found, at its position")
    func altered() async throws {
        try await Fixture.with { fixture in
            // The replica's event at position 2 swapped for another conversation's event.
            var replica = fixture.replica
            let index = try #require(replica.firstIndex { $0.position == 2 })
            let foreign = try #require(replica.last)
            replica[index] = StoredEvent(position: 2, version: replica[index].version, timeMilliseconds: replica[index].timeMilliseconds,
                                         event: foreign.event)
            #expect(fixture.check(fixture.records, replica: replica).problem?.position == 2)
            // A record removed.
            var removed = fixture.records
            removed.remove(at: 1)
            #expect(fixture.check(removed).problem?.position == 1)
            // Two records swapped.
            var swapped = fixture.records
            swapped.swapAt(1, 2)
            #expect(fixture.check(swapped).problem?.position == 1)
            // A record's payload hash changed in place (the chain no longer follows).
            var tampered = fixture.records
            let record = tampered[2]
            tampered[2] = RecordedEvent(position: record.position, stream: record.stream, streamVersion: record.streamVersion, id: record.id,
                                        type: record.type, author: record.author, timeMilliseconds: record.timeMilliseconds, metadata: record.metadata,
                                        payload: record.payload, payloadLength: record.payloadLength,
                                        payloadHash: try Digest32([UInt8](repeating: 7, count: 32)), chain: record.chain, isRedacted: false)
            #expect(fixture.check(tampered).problem?.position == 2)
            // A relay log that ends before events the replica holds: history was cut off.
            let cut = Array(fixture.records.prefix(3))
            var short = RelayLogCheck(relayKey: fixture.relay.core.relayKey.publicKey, replica: fixture.replica)
            short.check(cut, logID: fixture.relay.core.store.currentHead().logID)
            short.finish(head: LogHead(logID: fixture.relay.core.store.currentHead().logID, count: 3, chain: cut[2].chain))
            #expect(short.problem?.message.contains("no longer has") == true, "\(String(describing: short.problem))")
            // The relay's conversation events that the replica lacks.
            #expect(fixture.check(fixture.records, replica: Array(fixture.replica.dropLast())).problem?.position == fixture.replica.last?.position)
        }
    }

    @Test("a consistently rewritten history is caught by the checkpoint signed in it and by one saved before")
    func forked() async throws {
        try await Fixture.with { fixture in
            // Record 1 given another time and every chain recomputed: a self-consistent fork of the same log.
            let fork = fixture.rewritten(at: 1, time: 1)
            // The replica was filled by the same relay, so it agrees with the fork.
            let replica = fixture.replica.map { stored in
                stored.position == 1 ? StoredEvent(position: 1, version: stored.version, timeMilliseconds: 1, event: stored.event) : stored
            }
            let check = fixture.check(fork, replica: replica)
            #expect(check.problem?.message.contains("history was rewritten") == true, "\(String(describing: check.problem))")
            // Without the relay's own checkpoint in it, the saved checkpoint still catches it.
            var bare = RelayLogCheck(relayKey: fixture.relay.core.relayKey.publicKey, replica: replica)
            bare.check(Array(fork.prefix(3)), logID: fixture.relay.core.store.currentHead().logID)
            #expect(bare.isIntact)
            #expect(bare.extends(fixture.checkpoint)?.message.contains("differs") == true)
            // A saved checkpoint of another log, or signed by another key, is refused.
            let otherKey = SigningKeyPair.generate()
            let foreign = Checkpoint(signing: fixture.checkpoint.head, with: otherKey)
            #expect(fixture.check(fixture.records).extends(foreign) != nil)
        }
    }

    @Test("a checkpoint the relay's key did not sign is a forgery")
    func forgedCheckpoint() async throws {
        try await Fixture.with { fixture in
            let check = fixture.check(fixture.records, key: SigningKeyPair.generate().publicKey)
            #expect(check.problem?.message.contains("forged") == true, "\(String(describing: check.problem))")
        }
    }

    @Test("two relays with a key each: checkpoints of both verify when both are certified; one relay's key alone calls the other's a forgery, as does a set that leaves it out")
    func checkpointsOfTwoRelays() async throws {
        try await Fixture.with { fixture in
            // A second relay on the same log, with a key of its own, signs a checkpoint too.
            let otherKey = SigningKeyPair.generate()
            let other = RelayCore(store: fixture.relay.core.store, relayKey: otherKey, directory: fixture.relay.core.staffDirectory)
            await CheckpointService(core: other, logger: Logger(label: "test")).checkpoint()
            let records = try await fixture.relay.core.store.read(from: 0, maxCount: 100)
            let ours = fixture.relay.core.relayKey.publicKey
            let head = fixture.relay.core.store.currentHead()
            func check(certified: Set<SigningPublicKey>) -> RelayLogCheck {
                var check = RelayLogCheck(relayKey: ours, certifiedRelays: certified, replica: fixture.replica)
                check.check(records, logID: head.logID)
                check.finish(head: head)
                return check
            }
            // What a client without relay certificates did before: only the connected relay's key.
            let alone = check(certified: [])
            #expect(alone.problem?.position == UInt64(records.count - 1))
            #expect(alone.problem?.message.contains("forged") == true, "\(String(describing: alone.problem))")
            let both = check(certified: [ours, otherKey.publicKey])
            #expect(both.isIntact, "\(String(describing: both.problem))")
            #expect(both.checkpoints.map(\.signer) == [ours, otherKey.publicKey])
            // A saved checkpoint signed by the other relay: the log extends it.
            let saved = Checkpoint(signing: LogHead(logID: head.logID, count: head.count, chain: head.chain), with: otherKey)
            #expect(both.extends(saved) == nil)
            let withoutOther = check(certified: [ours, SigningKeyPair.generate().publicKey])
            #expect(withoutOther.problem?.message.contains("not one of the relays the organisation certified") == true,
                    "\(String(describing: withoutOther.problem))")
            #expect(withoutOther.extends(saved)?.message.contains("not signed by a relay the organisation certified") == true)
        }
    }

    @Test("a saved checkpoint file reads back, and an altered one is refused")
    func savedFile() async throws {
        try await Fixture.with { fixture in
            let text = SavedCheckpoint(fixture.checkpoint).text
            let readBack = try SavedCheckpoint(text: text)
            #expect(readBack.checkpoint == fixture.checkpoint)
            let altered = text.replacingOccurrences(of: "count: \(fixture.checkpoint.head.count)", with: "count: \(fixture.checkpoint.head.count + 1)")
            #expect(throws: IncidentError.self) { try SavedCheckpoint(text: altered) }
            #expect(throws: IncidentError.self) { try SavedCheckpoint(text: "hello\n") }
        }
    }

    @Test("records are for supervisors, and a limit outside 1…500 is malformed")
    func recordsRequest() async throws {
        try await OpenConversation.with { relay, deployment, _, client in
            let worker = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await worker.authenticate(deployment.member("sam").signing, role: .staff)
            worker.send(["t": "records", "rid": "r1", "from": 0, "limit": 10])
            #expect(await worker.next("error")?["code"] as? String == "forbidden")
            for limit in [0, 501] {
                worker.send(["t": "records", "rid": "r2", "from": 0, "limit": limit])
                #expect(await worker.next("error")?["code"] as? String == "malformed")
            }
            // The visitor neither.
            client.send(["t": "records", "rid": "r3", "from": 0, "limit": 10])
            #expect(await client.next("error")?["code"] as? String == "forbidden")
            await worker.close()
        }
    }
}
