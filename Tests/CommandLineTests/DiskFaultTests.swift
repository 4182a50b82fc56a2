import ChildProcess
import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// A full or read-only disk, made by the kernel itself: a small tmpfs mounted for one test, whose
/// space a ballast file takes up. Mounting needs root with CAP_SYS_ADMIN, which `ops/test` has (it
/// runs as root); where it is missing the suite says so instead of passing.
final class SmallDisk: @unchecked Sendable {
    let path: String
    private var mounted = true
    var ballast: String { path + "/ballast" }

    /// Whether this process may mount a tmpfs: tried once on a scratch directory.
    static let canMount: Bool = {
        let probe = NSTemporaryDirectory() + "netreach-mount-probe-" + Hex.encode(Random.bytes(count: 6))
        guard let disk = try? SmallDisk(at: probe, bytes: 64 << 10) else { return false }
        disk.unmount()
        try? FileManager.default.removeItem(atPath: probe)
        return true
    }()

    init(at path: String, bytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount("netreach-test", path, "tmpfs", 0, "size=\(bytes),mode=0700") == 0 else {
            throw HarnessError("cannot mount a tmpfs at \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
    }

    /// Bytes a new file could still take.
    var available: Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Fills the disk with a ballast file until only about `free` bytes are left.
    func fill(leaving free: Int) throws {
        let fd = open(ballast, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw HarnessError("cannot create the ballast") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xA5, count: 4096)
        while available > free {
            guard chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == chunk.count else { break }
        }
    }

    /// Gives the ballast's space back.
    func freeBallast() { unlink(ballast) }

    func remountReadOnly() throws {
        guard mount("netreach-test", path, "tmpfs", UInt(MS_REMOUNT) | UInt(MS_RDONLY), nil) == 0 else {
            throw HarnessError("cannot remount \(path) read-only: \(String(cString: strerror(errno)))")
        }
    }

    func unmount() {
        guard mounted else { return }
        mounted = umount2(path, Int32(MNT_DETACH)) != 0
    }

    deinit { unmount() }
}

/// Events with recognisable 256-byte payloads, as the relay stores a short sealed message.
private func payloadEvent(_ number: Int) -> ProposedEvent {
    var payload = Array("message \(number) ".utf8)
    payload += [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: 256 - payload.count)
    return ProposedEvent(type: "test.event", author: .zero, timeMilliseconds: 1_700_000_000_000, payload: payload)
}

@Suite("Disk faults (a small tmpfs)", .serialized,
       .enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root with CAP_SYS_ADMIN; run ops/test as root"))
struct DiskFaultTests {
    @Test("a full disk refuses appends with noSpace, keeps every acknowledged event, and appends again once space is freed")
    func logOnFullDisk() async throws {
        let root = NSTemporaryDirectory() + "netreach-full-" + Hex.encode(Random.bytes(count: 6))
        defer { try? FileManager.default.removeItem(atPath: root) }
        let disk = try SmallDisk(at: root, bytes: 1 << 20)
        defer { disk.unmount() }
        let directory = root + "/log"
        // Small segments, so that the disk also fills while a new segment is being created.
        let configuration = FileEventStoreConfiguration(segmentSize: 64 << 10)
        var store: FileEventStore? = try FileEventStore(directory: directory, configuration: configuration)
        try disk.fill(leaving: 96 << 10)

        // Concurrent appenders until the disk refuses: every append is either acknowledged or refused
        // with noSpace; nothing else, and the store stays open.
        var acknowledged: [Int: UInt64] = [:]
        var refusals: [EventLogError] = []
        var next = 0
        while refusals.count < 50 {
            let batch = (next..<next + 16).map { $0 }
            next += 16
            let outcomes = await withTaskGroup(of: (Int, Result<AppendResult, EventLogError>).self) { group in
                for number in batch {
                    group.addTask { [store] in
                        do throws(EventLogError) {
                            return (number, .success(try await store!.append(to: "full", expectedVersion: .any, events: [payloadEvent(number)])))
                        } catch {
                            return (number, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (number, outcome) in outcomes {
                switch outcome {
                case .success(let result): acknowledged[number] = result.firstPosition
                case .failure(let error): refusals.append(error)
                }
            }
            #expect(next < 10_000, "the disk never filled")
            if next >= 10_000 { return }
        }
        #expect(acknowledged.count > 100)
        #expect(refusals.allSatisfy { $0.code == .noSpace }, "\(refusals.filter { $0.code != .noSpace }.prefix(3))")
        #expect(refusals.first?.message.contains("nothing of the append was stored") == true)
        #expect(store!.statistics.refusedForSpace >= 50)
        #expect(store!.currentHead().count == UInt64(acknowledged.count), "a refused append moved the head")

        // Space returns: the same store appends again, with no reopen and no gap in positions.
        disk.freeBallast()
        let after = try await store!.append(to: "full", expectedVersion: .any, events: [payloadEvent(-1)])
        #expect(after.firstPosition == UInt64(acknowledged.count))
        acknowledged[-1] = after.firstPosition

        // Reopened, the log holds exactly the acknowledged events at their positions, and verifies.
        await store!.close()
        store = nil
        let reopened = try FileEventStore(directory: directory, configuration: configuration)
        #expect(reopened.recoveryReport.tornBytesCut == 0)
        let events = try await reopened.read(from: 0, maxCount: acknowledged.count + 10)
        #expect(events.count == acknowledged.count)
        for (number, position) in acknowledged {
            #expect(events.first { $0.position == position }?.payload == payloadEvent(number).payload)
        }
        await reopened.close()
        let verification = try LogVerifier.verify(directory: directory)
        #expect(verification.head.count == UInt64(acknowledged.count))
    }

    @Test("a relay on a full disk answers unavailable, keeps serving, and stores the same event when space returns")
    func relayOnFullDisk() async throws {
        var disk: SmallDisk?
        let deployment = try await StaffDeployment.make(prepare: { directory in
            disk = try SmallDisk(at: directory + "/data", bytes: 2 << 20)
            try disk?.fill(leaving: 48 << 10)
        })
        defer {
            deployment.relay.send(SIGKILL)
            deployment.relay.waitBlocking(timeout: .seconds(5))
            disk?.unmount()
            deployment.stop()
        }
        let visitor = try await TestVisitor.open(base: deployment.base, keyring: try deployment.keyring(), firstMessage: "hello")
        var said = ["hello"]
        var refused: (event: Event, reply: RelayMessage)?
        func message(_ text: String) throws -> Event {
            try Event(kind: .messagePosted, conversation: visitor.identity.conversation, clientTimeMilliseconds: 0,
                      content: SealedText.seal(text, key: visitor.key), signer: visitor.identity.signing)
        }
        for number in 0..<2_000 {
            let text = "message \(number) on a filling disk"
            let event = try message(text)
            guard let reply = await appendPatiently(event, on: visitor.connection) else { Issue.record("no answer"); return }
            guard reply["t"] as? String == "ack" else {
                refused = (event, reply)
                break
            }
            said.append(text)
        }
        guard let refused else { Issue.record("the disk never filled"); return }
        #expect(refused.reply["code"] as? String == "unavailable")
        #expect((refused.reply["message"] as? String)?.contains("disk is full") == true, "\(refused.reply)")
        #expect(said.count > 50)

        // The relay still serves: health, and the same connection reading.
        let (health, _) = try await URLSession.shared.data(from: URL(string: deployment.base + "/health")!)
        #expect(String(decoding: health, as: UTF8.self).contains("\"ok\""))
        // Its output says why, without any visitor's data.
        #expect(await waitUntil { deployment.relay.errors.contains("the data directory is full") || deployment.relay.output.contains("the data directory is full") })

        // Space returns: the refused event, sent again unchanged, is stored (once).
        disk?.freeBallast()
        let retried = await appendPatiently(refused.event, on: visitor.connection)
        #expect(retried?["t"] as? String == "ack", "\(retried?.text ?? "no answer")")
        #expect(retried?["duplicate"] as? Bool != true)
        said.append(try SealedText.open(refused.event.content, key: visitor.key))
        let last = await appendPatiently(try message("after the disk had room again"), on: visitor.connection)
        #expect(last?["t"] as? String == "ack", "\(last?.text ?? "no answer")")
        said.append("after the disk had room again")
        await visitor.connection.close()

        // Stopped and read back: every acknowledged message once, in order; the chain verifies.
        try await deployment.stopRelay()
        let store = try FileEventStore(directory: deployment.directory + "/data")
        let stream = try StreamName(visitor.identity.conversation.streamName)
        let events = try await store.readStream(stream, fromVersion: 0, maxCount: said.count + 10)
        let texts = try events.compactMap { recorded -> String? in
            let event = try Event(bytes: recorded.payload)
            return event.kind == .messagePosted ? try SealedText.open(event.content, key: visitor.key) : nil
        }
        #expect(texts == said)
        await store.close()
        _ = try LogVerifier.verify(directory: deployment.directory + "/data")
    }

    @Test("a relay whose data directory is read-only does not start, and says so")
    func readOnlyDataDirectory() async throws {
        for alreadyHasALog in [true, false] {
            var disk: SmallDisk?
            let deployment = try await StaffDeployment.make(prepare: { directory in
                disk = try SmallDisk(at: directory + "/data", bytes: 4 << 20)
            })
            defer {
                disk?.unmount()
                deployment.stop()
            }
            try await deployment.stopRelay()
            if !alreadyHasALog {
                for name in try FileManager.default.contentsOfDirectory(atPath: deployment.directory + "/data") {
                    try FileManager.default.removeItem(atPath: deployment.directory + "/data/" + name)
                }
            }
            try disk?.remountReadOnly()
            do {
                let (relay, _) = try await StaffDeployment.startRelay(directory: deployment.directory)
                relay.send(SIGKILL)
                Issue.record("the relay started on a read-only data directory")
            } catch {
                #expect("\(error)".contains("Read-only file system"), "\(error)")
                #expect("\(error)".contains("the event log cannot be opened"), "\(error)")
            }
        }
    }

    /// Appends, waiting out the relay's per-connection rate limit (30 a second), which a test
    /// writing as fast as it can meets long before the disk fills; returns the first other answer.
    private func appendPatiently(_ event: Event, on connection: RelayConnection) async -> RelayMessage? {
        while true {
            let reply = await connection.append(event, rid: Hex.encode(event.id))
            guard reply?["code"] as? String == "rateLimited" else { return reply }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func waitUntil(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }
}
