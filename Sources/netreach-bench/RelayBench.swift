import ArgumentParser
import EventLog
import Foundation
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import NetreachClient
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachCore
import NetreachRelay
import Sodium
import Synchronization

/// `netreach-bench relay`: messages through the relay against a bare WebSocket echo, latency, and
/// memory per idle connection.
struct RelayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Visitor→staff messages/s through the relay vs a bare WebSocket echo, latency, RSS per idle connection.",
        discussion: """
            Example:
              netreach-bench relay --work-dir /var/tmp/netreach-bench --conversations 64 --idle-connections 2000
            """
    )

    @Option(help: "Scratch directory (emptied first, removed after).") var workDir: String
    @Option(help: "Seconds the echo baseline runs.") var seconds = 5.0
    @Option(help: "Concurrent conversations per run, comma-separated (visitors writing, each waiting for its acknowledgement).")
    var conversations = "64,2000"
    @Option(help: "Messages all visitors together send in each relay run (signed before it starts).") var messages = 32_000
    @Option(help: "Echo-and-relay runs per conversation count; the figures are their medians.") var runs = 3
    @Option(help: "Idle authenticated visitors held open for the memory figure.") var idleConnections = 2000
    @Option(help: "Write the figures to this JSON file.") var json: String?

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard seconds > 0, messages > 0, runs > 0, idleConnections >= 0, !conversationCounts.isEmpty, conversationCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("counts must be positive")
        }
    }

    var conversationCounts: [Int] { conversations.split(separator: ",").map { Int($0) ?? 0 } }

    func run() async throws {
        raiseFileLimit()
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        var figures: [String: Double] = [:]
        func report(_ key: String, _ value: Double, _ label: String) {
            figures[key] = value
            let padded = label.count < 52 ? label + String(repeating: " ", count: 52 - label.count) : label
            print("  " + padded + String(format: "%12.2f", value))
        }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        print("relay benchmark: \(conversations) concurrent conversations, \(messages) messages per relay run, echo for \(seconds) s, "
            + "\(Int(cores)) cores (per-connection rate limits lifted to measure capacity)")
        // Each stored event costs one Ed25519 verification, which no relay may skip: its cost on this
        // machine bounds the relay whatever else is made faster.
        let checks = try SignatureCost.checksPerSecond()
        report("signature_checks_per_s_one_core", checks, "event signature checks/s, one core")
        for count in conversationCounts {
            print("with \(count) concurrent conversations")
            // The machine's speed drifts from minute to minute (its cores are shared): each run pairs an
            // echo with a relay run right after it, and the figures below are the medians of the runs.
            var runs: [(echo: Double, relay: RelayThroughput.Result)] = []
            for run in 1...self.runs {
                let echo = try await EchoBaseline.run(clients: count, seconds: seconds)
                let relay = try await RelayThroughput.run(conversations: count, messagesPerConversation: max(1, messages / count),
                                                          directory: workDir + "/relay-\(count)-\(run)")
                print(String(format: "  run %d: echo %.0f/s, relay %.0f/s, ratio %.2f, p99 %.1f ms", run, echo, relay.perSecond,
                             relay.perSecond / echo, relay.p99))
                runs.append((echo, relay))
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            let echo = median(runs.map(\.echo)), relay = median(runs.map(\.relay.perSecond))
            report("messages_per_s_echo_\(count)", echo, "bare WebSocket echo, messages/s (baseline)")
            report("messages_per_s_relay_\(count)", relay, "relay, visitor→staff messages/s (durable, delivered)")
            report("ratio_vs_echo_\(count)", median(runs.map { $0.relay.perSecond / $0.echo }), "ratio relay / echo (goal ≥ 0.4, stretch 0.5)")
            report("ceiling_ratio_signatures_only_\(count)", checks * cores / echo,
                   "ceiling ratio if all \(Int(cores)) cores only checked signatures")
            // A message through the relay is three frames (the append, its ack, the event to staff)
            // where an echo is two, and one signature check. Were everything else free, the relay
            // would move cores / (1/checks + 1.5 × cores/echo) messages/s: the best ratio this
            // machine allows (docs/RELAY.md, "What bounds it").
            report("bound_ratio_check_and_frames_\(count)", cores / (echo / checks + 1.5 * cores),
                   "bound ratio: one check + three frames at the echo's cost")
            report("latency_p50_ms_\(count)", median(runs.map(\.relay.p50)), "end-to-end latency p50, ms (visitor send → staff receive)")
            report("latency_p99_ms_\(count)", median(runs.map(\.relay.p99)), "end-to-end latency p99, ms")
            // Every visitor keeps one message in flight, so by Little's law a message's round trip (sent
            // to acknowledged) takes conversations / rate on average: at 2 000 conversations that is
            // queueing in front of two cores, whatever the relay does, and the latency above is part of it.
            report("round_trip_mean_ms_\(count)", Double(count) / relay * 1000, "mean round trip at this load, ms (conversations / rate)")
            report("acked_\(count)", Double(runs.map(\.relay.acked).reduce(0, +)), "messages acknowledged (all runs)")
            report("lost_\(count)", Double(runs.map(\.relay.lost).reduce(0, +)), "acknowledged but never delivered to staff (must be 0)")
        }

        if idleConnections > 0 {
            let idle = try await IdleMemory.run(connections: idleConnections, directory: workDir + "/idle")
            report("idle_connections", Double(idle.connections), "idle authenticated visitors held open")
            report("relay_rss_before_mib", idle.before / 1024, "relay RSS before, MiB")
            report("relay_rss_after_mib", idle.after / 1024, "relay RSS with them open, MiB")
            report("rss_per_idle_connection_kib", (idle.after - idle.before) / Double(idle.connections), "RSS per idle connection, KiB")
            report("health_ok_under_load", idle.healthy ? 1 : 0, "/health answered with all of them open (1 = yes)")
        }
        if let json {
            var document: [String: any Sendable] = figures
            document["conversations"] = conversationCounts
            document["cores"] = ProcessInfo.processInfo.activeProcessorCount
            try writeFigures(document, to: json)
            print("wrote \(json)")
        }
    }
}

/// A WebSocket server that echoes every text frame: the ceiling any WebSocket service here could reach.
enum EchoBaseline {
    static func run(clients: Int, seconds: Double) async throws -> Double {
        let webSockets = Router(context: BasicWebSocketRequestContext.self)
        webSockets.ws("/echo") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message { try await outbound.write(.text(text)) }
            }
        }
        let logger = { var quiet = Logger(label: "echo"); quiet.logLevel = .error; return quiet }()
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: Router(), server: .http1WebSocketUpgrade(webSocketRouter: webSockets),
                                      configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { sink.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let server = Task {
            defer { sink.finish() }  // a server that cannot start ends the wait for its port
            try await application.runService(gracefulShutdownSignals: [])
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the echo server did not start") }
        // The same payload size as a relay append of a short message (a 256-byte bucket, sealed, in JSON).
        let payload = String(repeating: "x", count: 600)
        // Everyone connects first; the clock starts when they all may send, as in the relay run.
        let start = Gate()
        let window = Shared<(start: ContinuousClock.Instant, deadline: ContinuousClock.Instant)?>(nil)
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let count = Shared(0)
                    _ = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/echo", logger: logger) { inbound, outbound, _ in
                        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                        await start.wait()
                        guard let deadline = window.value?.deadline else { return }
                        while ContinuousClock.now < deadline {
                            try await outbound.write(.text(payload))
                            guard try await messages.next() != nil else { break }
                            count.update { $0 += 1 }
                        }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    return count.value
                }
            }
            try await Task.sleep(for: .milliseconds(200 + clients))
            window.update { $0 = (.now, .now + .seconds(seconds)) }
            await start.open()
            return try await group.reduce(0, +)
        }
        guard let started = window.value?.start else { throw BenchError("the echo run did not start") }
        return Double(total) / (ContinuousClock.now - started).seconds
    }
}

/// Visitors writing to their conversations through a real relay, one staff client receiving everything.
///
/// The clients are as lean as the echo baseline's: frames are written as prepared text and answers
/// are read with the protocol's own frame reader, and every event is signed and sealed before the
/// timed run, because a phone signs its own messages and the figure is about the relay.
enum RelayThroughput {
    struct Result { var perSecond: Double; var p50: Double; var p99: Double; var acked: Int; var lost: Int }

    static func run(conversations: Int, messagesPerConversation: Int, directory: String) async throws -> Result {
        let organisationKey = SigningKeyPair.generate()
        let organisation = OrganisationPublicKey(name: try DeploymentName("bench"), signKey: organisationKey.publicKey)
        let staffSigning = SigningKeyPair.generate(), staffBox = BoxKeyPair.generate()
        let certificate = EnrolmentCertificate.issue(
            enrolling: StaffPublicKey(name: try StaffName("bench-staff"), signKey: staffSigning.publicKey, boxKey: staffBox.publicKey),
            role: .worker, issued: try KeyTimestamp.now(), organisationKey: organisationKey)
        let keyring = try Keyring(organisation: organisation, certificates: [KeyFile(label: "bench-staff.cert", bytes: certificate.fileBytes)],
                                  revocations: [])
        let store = try FileEventStore(directory: directory)
        // Capacity is measured with the per-connection and per-address limits lifted: they protect
        // against abuse and a person typing never meets them, but a benchmark loop meets them at once.
        let core = RelayCore(store: store, relayKey: .generate(), directory: keyring, powBits: 4, opensPerAddressPerHour: 0,
                             requestBurst: 1e9, requestsPerSecond: 1e9)
        let logger = { var quiet = Logger(label: "relay"); quiet.logLevel = .critical; return quiet }()
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = try RelayServer.makeApplication(
            core: core, configuration: try RelayConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory, keysDirectory: "-"),
            logger: logger) { sink.yield($0) }
        let server = Task {
            defer { sink.finish() }  // a server that cannot start ends the wait for its port
            try await application.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the relay did not start") }
        let url = "ws://127.0.0.1:\(port)/v1/ws"

        // Every visitor's frames, prepared before the clock starts.
        let staffKeyID = KeyID(staffSigning.publicKey).bytes
        let visitors = try (0..<conversations).map { _ in
            try VisitorScript(messages: messagesPerConversation, staffKeyID: staffKeyID, staffBox: staffBox.publicKey)
        }

        let sent = Shared<[EventID: ContinuousClock.Instant]>([:])
        let latencies = Shared<[Double]>([])
        let total = conversations * (messagesPerConversation + 1)
        let staffLive = Gate(), start = Gate()
        // The staff member's client is another machine in a deployment: here it gets a thread of its
        // own, so that it is not queued behind every visitor's task in this process.
        let staffLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiver = Task(executorPreference: EventLoopTaskExecutor(staffLoop.next())) {
            _ = try await WebSocketClient.connect(url: url, eventLoopGroup: staffLoop, logger: logger) { inbound, outbound, _ in
                var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await WireClient.authenticate(staffSigning, role: .staff, frames: &frames, outbound: outbound)
                try await outbound.write(.text(#"{"t":"subscribe","from":0}"#))
                var received = 0
                while received < total, let frame = try await frames.next() {
                    guard case .text(let text) = frame, let fields = try? WireJSON.parseObject(text) else { continue }
                    if fields["t"] == .string("live") { await staffLive.open() }
                    guard fields["t"] == .string("event"), let event = fields["event"]?.string,
                          let head = try? Base64URL.decode(String(event.prefix(32))), let id = try? EventID(Array(head[8..<24]))
                    else { continue }
                    received += 1
                    let now = ContinuousClock.now
                    if let sentAt = sent.update({ $0.removeValue(forKey: id) }) {
                        latencies.update { $0.append((now - sentAt).seconds * 1000) }
                    }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        await staffLive.wait()

        let clock = Shared<(first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>((nil, nil))
        let acked = try await withThrowingTaskGroup(of: Int.self) { group in
            for visitor in visitors {
                group.addTask {
                    let count = Shared(0)
                    _ = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                        var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                        let challenge = try await WireClient.authenticate(visitor.identity.signing, role: .visitor, frames: &frames, outbound: outbound)
                        let pow = ProofOfWork.solve(challenge: challenge, conversation: visitor.identity.conversation, bits: 4)
                        try await outbound.write(.text(#"{"t":"open","rid":"o","event":"\#(visitor.opened)","pow":"\#(Base64URL.encode(pow))"}"#))
                        guard try await WireClient.isAck(frames.next()) else { throw BenchError("a conversation did not open") }
                        await start.wait()
                        clock.update { if $0.first == nil { $0.first = .now } }
                        for (id, frame) in visitor.appends {
                            sent.update { $0[id] = .now }
                            try await outbound.write(.text(frame))
                            guard try await WireClient.isAck(frames.next()) else { throw BenchError("an append was refused") }
                            count.update { $0 += 1 }
                        }
                        clock.update { $0.last = .now }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    return count.value
                }
            }
            // Everyone is connected and open (or failing): start them together.
            try await Task.sleep(for: .milliseconds(200 + conversations))
            await start.open()
            return try await group.reduce(0, +)
        }
        let span = clock.value
        let elapsed = (span.last! - span.first!).seconds
        // Give the last deliveries time to arrive, then count what never did.
        let settle = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < settle, latencies.value.count < acked { try await Task.sleep(for: .milliseconds(20)) }
        receiver.cancel()
        let sorted = latencies.value.sorted()
        server.cancel()
        _ = try? await server.value
        // The staff client's loop goes last, once nothing of the client can run on it any more.
        _ = try? await receiver.value
        try? await staffLoop.shutdownGracefully()
        await store.close()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Result(perSecond: Double(acked) / elapsed, p50: percentile(0.5), p99: percentile(0.99), acked: acked,
                      lost: acked - sorted.count)
    }
}

/// How many events of a short message's size one core can parse and verify per second.
enum SignatureCost {
    static func checksPerSecond() throws -> Double {
        let visitor = VisitorIdentity(phrase: .generate())
        let bytes = try Event(kind: .messagePosted, conversation: visitor.conversation, clientTimeMilliseconds: 0,
                              content: SealedText.seal("a short message", key: SecretBox.generateKey()), signer: visitor.signing).bytes
        var count = 0
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(500) {
            for _ in 0..<100 { _ = try Event(bytes: bytes) }
            count += 100
        }
        return Double(count) / (ContinuousClock.now - start).seconds
    }
}

/// One visitor's identity and its frames, signed and sealed in advance.
struct VisitorScript: Sendable {
    let identity: VisitorIdentity
    let opened: String
    let appends: [(EventID, String)]

    init(messages: Int, staffKeyID: [UInt8], staffBox: BoxPublicKey) throws {
        identity = VisitorIdentity(phrase: .generate())
        let key = SecretBox.generateKey()
        let wraps = [Wrap(key: key, to: staffKeyID, recipientKey: staffBox, from: identity.box),
                     Wrap(key: key, to: KeyID(identity.signing.publicKey).bytes, recipientKey: identity.box.publicKey, from: identity.box)]
        opened = Base64URL.encode(try Event(kind: .conversationOpened, conversation: identity.conversation, clientTimeMilliseconds: 0,
                                            content: ConversationOpened(visitorBoxKey: identity.box.publicKey, wraps: wraps).content,
                                            signer: identity.signing).bytes)
        appends = try (0..<messages).map { [identity] count in
            let event = try Event(kind: .messagePosted, conversation: identity.conversation, clientTimeMilliseconds: 0,
                                  content: SealedText.seal("message \(count) from a visitor in the benchmark", key: key),
                                  signer: identity.signing)
            return (try EventID(event.id), #"{"t":"append","rid":"m\#(count)","event":"\#(Base64URL.encode(event.bytes))"}"#)
        }
    }
}

/// Opens once; everyone waiting, before or after, goes on.
actor Gate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiting { waiter.resume() }
        waiting.removeAll()
    }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// A separate `netreach-relay serve` process holding many idle visitors: its RSS before and after.
enum IdleMemory {
    struct Result { var connections: Int; var before: Double; var after: Double; var healthy: Bool }

    static func run(connections: Int, directory: String) async throws -> Result {
        let relay = try await RelayChild.start(directory: directory, options: ["--opens-per-address-per-hour", "0"])
        defer { relay.stop() }
        let port = relay.port
        let url = "ws://127.0.0.1:\(port)/v1/ws"
        // Warm up (first connections allocate pools), then measure from there.
        var warm: [RelayConnection] = []
        for _ in 0..<20 {
            let connection = try await RelayConnection(url: url)
            _ = await connection.authenticate(VisitorIdentity(phrase: .generate()).signing, role: .visitor)
            warm.append(connection)
        }
        try await Task.sleep(for: .milliseconds(500))
        let before = ProcessSample(relay.pid).residentKiB
        var open: [RelayConnection] = []
        open.reserveCapacity(connections)
        while open.count < connections {
            let batch = try await withThrowingTaskGroup(of: RelayConnection.self) { group in
                for _ in 0..<min(100, connections - open.count) {
                    group.addTask {
                        let connection = try await RelayConnection(url: url)
                        guard await connection.authenticate(VisitorIdentity(phrase: .generate()).signing, role: .visitor)?.message.type == "ready"
                        else { throw BenchError("a visitor could not authenticate") }
                        return connection
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            open += batch
        }
        try await Task.sleep(for: .seconds(1))
        let after = ProcessSample(relay.pid).residentKiB
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        let healthy = String(decoding: data, as: UTF8.self).contains("\"ok\"")
        for connection in open + warm { await connection.close() }
        return Result(connections: connections, before: before, after: after, healthy: healthy)
    }
}

/// A value shared between tasks, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// Runs the tasks that prefer it on one event loop: the staff client's thread of its own.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
