import EventLog
import Sodium
import Testing

@Suite("EventLog: redaction and checkpoints")
struct RedactionCheckpointTests {
    @Test("redaction destroys the payload on disk, keeps its hash, and the chain still verifies")
    func redaction() async throws {
        let dir = TemporaryDirectory()
        let secret = "the address is 12 Secret Road"
        let head = try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("keep"), event(secret), event("after")])
            let before = try await store.read(from: 1, maxCount: 1)[0]
            #expect(try await store.redact(position: 1))
            #expect(try await store.redact(position: 1) == false)
            let after = try await store.read(from: 1, maxCount: 1)[0]
            #expect(after.isRedacted && after.payload.isEmpty)
            #expect(after.payloadHash == before.payloadHash && after.chain == before.chain)
            #expect(after.payloadLength == secret.utf8.count)
            return try await store.head()
        }
        let onDisk = dir.segmentNames().flatMap { dir.bytes(of: $0) }
        #expect(!contains(onDisk, Array(secret.utf8)))
        #expect(contains(onDisk, Array("keep".utf8)))
        let verification = try LogVerifier.verify(directory: dir.path)
        #expect(verification.head == head && verification.redactedEvents == 1)
        try await withStore(dir) { store async throws in
            #expect(try await store.read(from: 1, maxCount: 1)[0].isRedacted)
            #expect(try await store.readStream("s", fromVersion: 0, maxCount: 9).map(text) == ["keep", "", "after"])
        }
    }

    @Test("a redaction interrupted by a crash is finished on the next open")
    func interruptedRedaction() async throws {
        let dir = TemporaryDirectory()
        try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("a"), event("private words"), event("c")])
            #expect(try await store.redact(position: 1))
        }
        // Simulate the crash: the intent is in the journal, but only half of the rewrite reached the disk.
        let name = dir.segmentNames()[0]
        var bytes = dir.bytes(of: name)
        let journal = dir.bytes(of: "redactions.journal")
        dir.write(Array(journal.prefix(32)), to: "redactions.journal")  // intent kept, completion lost
        let offset = Int(journal.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) })
        let length = Int(bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) })
        let crcAt = offset + 4 + length
        bytes[crcAt] ^= 0xFF  // the new checksum never made it
        dir.write(bytes, to: name)
        try await withStore(dir) { store async throws in
            #expect(store.recoveryReport.redactionsCompleted == 1)
            #expect(try await store.read(from: 1, maxCount: 1)[0].isRedacted)
        }
        #expect(try LogVerifier.verify(directory: dir.path).head.count == 3)
    }

    @Test("a signed checkpoint is extended by later appends, and a log with altered history is caught")
    func checkpoints() async throws {
        let dir = TemporaryDirectory()
        let relayKey = SigningKeyPair.generate()
        let checkpoint = try await withStore(dir) { store async throws in
            _ = try await store.append(to: "s", expectedVersion: .any, events: (0..<10).map { event("\($0)") })
            let checkpoint = Checkpoint(signing: try await store.head(), with: relayKey)
            _ = try await store.append(to: "s", expectedVersion: .any, events: (10..<20).map { event("\($0)") })
            let head = try await store.verifyExtends(checkpoint, trusting: relayKey.publicKey)
            #expect(head.count == 20)
            // Redaction keeps the proof valid.
            _ = try await store.redact(position: 3)
            _ = try await store.redact(position: 15)
            #expect(try await store.verifyExtends(checkpoint, trusting: relayKey.publicKey).count == 20)

            let other = SigningKeyPair.generate()
            let error = await #expect(throws: EventLogError.self) {
                try await store.verifyExtends(checkpoint, trusting: other.publicKey)
            }
            #expect(error?.code == .checkpointMismatch)
            let forgedHead = LogHead(logID: checkpoint.head.logID, count: 10, chain: try Digest32([UInt8](repeating: 7, count: 32)))
            let forged = Checkpoint(signing: forgedHead, with: relayKey)
            let forgedError = await #expect(throws: EventLogError.self) {
                try await store.verifyExtends(forged, trusting: relayKey.publicKey)
            }
            #expect(forgedError?.code == .checkpointMismatch)
            return checkpoint
        }
        #expect(checkpoint.isValid)
        #expect(throws: EventLogError.self) {
            try Checkpoint(head: LogHead(logID: checkpoint.head.logID, count: 11, chain: checkpoint.head.chain),
                           signer: checkpoint.signer, signature: checkpoint.signature)
        }
    }

    @Test("a checkpoint of an empty log is extended by the first appends")
    func emptyCheckpoint() async throws {
        let dir = TemporaryDirectory()
        let key = SigningKeyPair.generate()
        try await withStore(dir) { store async throws in
            let checkpoint = Checkpoint(signing: try await store.head(), with: key)
            _ = try await store.append(to: "s", expectedVersion: .any, events: [event("a")])
            #expect(try await store.verifyExtends(checkpoint, trusting: key.publicKey).count == 1)
        }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<(start + needle.count)].elementsEqual(needle) }
    }
}
