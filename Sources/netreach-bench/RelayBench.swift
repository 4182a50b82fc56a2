import ArgumentParser
import EventLog
import Foundation
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
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
    @Option(help: "Seconds each throughput run lasts.") var seconds = 5.0
    @Option(help: "Concurrent conversations (visitors writing, each waiting for its acknowledgement).") var conversations = 64
    @Option(help: "Idle authenticated visitors held open for the memory figure.") var idleConnections = 2000
    @Option(help: "Write the figures to this JSON file.") var json: String?

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard seconds > 0, conversations > 0, idleConnections >= 0 else { throw ValidationError("counts must be positive") }
    }

    func run() async throws {
        raiseFileLimit()
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        var figures: [String: Double] = [:]
        func report(_ key: String, _ value: Double, _ label: String) {
            figures[key] = value
            let padded = label.count < 52 ? label + String(repeating: " ", count: 52 - label.count) : label
            print("  " + padded + String(format: "%12.1f", value))
        }
        print("relay benchmark: \(conversations) conversations, \(seconds) s per run, \(ProcessInfo.processInfo.activeProcessorCount) cores"
            + " (per-connection rate limits lifted to measure capacity)")

        let echo = try await EchoBaseline.run(clients: conversations, seconds: seconds)
        report("messages_per_s_echo", echo, "bare WebSocket echo, messages/s (baseline)")
        let relay = try await RelayThroughput.run(conversations: conversations, seconds: seconds, directory: workDir + "/relay")
        report("messages_per_s_relay", relay.perSecond, "relay, visitor→staff messages/s (durable, delivered)")
        report("ratio_vs_echo", relay.perSecond / echo, "ratio relay / echo")
        report("latency_p50_ms", relay.p50, "end-to-end latency p50, ms (visitor send → staff receive)")
        report("latency_p99_ms", relay.p99, "end-to-end latency p99, ms")
        report("acked", Double(relay.acked), "messages acknowledged")
        report("lost", Double(relay.lost), "acknowledged but never delivered to staff")

        if idleConnections > 0 {
            let idle = try await IdleMemory.run(connections: idleConnections, directory: workDir + "/idle")
            report("idle_connections", Double(idle.connections), "idle authenticated visitors held open")
            report("relay_rss_before_mib", idle.before / 1024, "relay RSS before, MiB")
            report("relay_rss_after_mib", idle.after / 1024, "relay RSS with them open, MiB")
            report("rss_per_idle_connection_kib", (idle.after - idle.before) / Double(idle.connections), "RSS per idle connection, KiB")
            report("health_ok_under_load", idle.healthy ? 1 : 0, "/health answered with all of them open (1 = yes)")
        }
        if let json {
            let url = URL(fileURLWithPath: json)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var document: [String: Any] = figures
            document["conversations"] = conversations
            document["cores"] = ProcessInfo.processInfo.activeProcessorCount
            document["measured_at"] = ISO8601DateFormatter().string(from: Date())
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
            print("wrote \(json)")
        }
    }

    /// Thousands of sockets need more descriptors than the default soft limit.
    private func raiseFileLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
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
        let server = Task { try await application.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the echo server did not start") }
        // The same payload size as a relay append of a short message (a 256-byte bucket, sealed, in JSON).
        let payload = String(repeating: "x", count: 600)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let count = Shared(0)
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/echo", logger: logger) { inbound, outbound, _ in
                        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
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
            return try await group.reduce(0, +)
        }
        return Double(total) / (ContinuousClock.now - start).seconds
    }
}

/// Visitors writing to their conversations through a real relay, one staff client receiving everything.
enum RelayThroughput {
    struct Result { var perSecond: Double; var p50: Double; var p99: Double; var acked: Int; var lost: Int }

    static func run(conversations: Int, seconds: Double, directory: String) async throws -> Result {
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
        var logger = Logger(label: "relay")
        logger.logLevel = .error
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = try RelayServer.makeApplication(
            core: core, configuration: try RelayConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory, keysDirectory: "-"),
            metrics: RelayMetrics(), logger: logger) { sink.yield($0) }
        let server = Task { try await application.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the relay did not start") }
        let url = "ws://127.0.0.1:\(port)/v1/ws"

        // Staff follow everything from the start.
        let staff = try await RelayConnection(url: url)
        let staffKeyID = KeyID(staffSigning.publicKey).bytes
        _ = await staff.authenticate(staffSigning, role: .staff)
        staff.send(["t": "subscribe", "from": 0])
        _ = await staff.next("live")

        // Visitors open their conversations.
        var visitors: [(RelayConnection, VisitorIdentity, SecureBytes)] = []
        for _ in 0..<conversations {
            let identity = VisitorIdentity(phrase: .generate())
            let key = SecretBox.generateKey()
            let connection = try await RelayConnection(url: url)
            _ = await connection.authenticate(identity.signing, role: .visitor)
            let wraps = [Wrap(key: key, to: staffKeyID, recipientKey: staffBox.publicKey, from: identity.box),
                         Wrap(key: key, to: KeyID(identity.signing.publicKey).bytes, recipientKey: identity.box.publicKey, from: identity.box)]
            let opened = try Event(kind: .conversationOpened, conversation: identity.conversation, clientTimeMilliseconds: 0,
                                   content: ConversationOpened(visitorBoxKey: identity.box.publicKey, wraps: wraps).content,
                                   signer: identity.signing)
            guard await connection.open(opened)?["t"] as? String == "ack" else { throw BenchError("a conversation did not open") }
            visitors.append((connection, identity, key))
        }
        _ = await drain(staff, count: conversations)

        // Staff receive in the background, timing each message from its sending.
        let sent = Shared<[String: ContinuousClock.Instant]>([:])
        let latencies = Shared<[Double]>([])
        let receiver = Task {
            while let message = await staff.next(timeout: .seconds(15)) {
                guard message["t"] as? String == "event", message["kind"] as? String == "message.posted",
                      let text = message["event"] as? String, let bytes = try? Base64URL.decode(text), bytes.count > 24 else { continue }
                let id = Hex.encode(Array(bytes[8..<24]))
                if let start = sent.update({ $0.removeValue(forKey: id) }) {
                    let elapsed = (ContinuousClock.now - start).seconds * 1000
                    latencies.update { $0.append(elapsed) }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let acked = try await withThrowingTaskGroup(of: Int.self) { group in
            for (connection, identity, key) in visitors {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        let event = try Event(kind: .messagePosted, conversation: identity.conversation, clientTimeMilliseconds: 0,
                                              content: SealedText.seal("message \(count) from a visitor in the benchmark", key: key),
                                              signer: identity.signing)
                        sent.update { $0[Hex.encode(event.id)] = .now }
                        guard await connection.append(event, rid: "m\(count)")?["t"] as? String == "ack" else {
                            throw BenchError("an append was refused")
                        }
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = (ContinuousClock.now - start).seconds
        // Give the last deliveries time to arrive, then count what never did.
        let settle = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < settle, latencies.value.count < acked { try await Task.sleep(for: .milliseconds(20)) }
        receiver.cancel()
        let sorted = latencies.value.sorted()
        for (connection, _, _) in visitors { await connection.close() }
        await staff.close()
        server.cancel()
        _ = try? await server.value
        await store.close()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Result(perSecond: Double(acked) / elapsed, p50: percentile(0.5), p99: percentile(0.99), acked: acked,
                      lost: acked - sorted.count)
    }

    private static func drain(_ connection: RelayConnection, count: Int) async -> Int {
        var seen = 0
        while seen < count, await connection.next("event", timeout: .seconds(5)) != nil { seen += 1 }
        return seen
    }
}

/// A separate `netreach-relay serve` process holding many idle visitors: its RSS before and after.
enum IdleMemory {
    struct Result { var connections: Int; var before: Double; var after: Double; var healthy: Bool }

    static func run(connections: Int, directory: String) async throws -> Result {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let relayBinary = bin.appendingPathComponent("netreach-relay").path
        guard FileManager.default.isExecutableFile(atPath: relayBinary) else {
            throw BenchError("build netreach-relay next to netreach-bench first (swift build -c release --product netreach-relay)")
        }
        try run(relayBinary, ["demo-deployment", "--dir", directory])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: relayBinary)
        process.arguments = ["serve", "--data-dir", directory + "/data", "--keys", directory + "/Keys",
                             "--relay-key", directory + "/private/relay.key", "--passphrase-file", directory + "/private/demo.passphrase",
                             "--port", "0", "--opens-per-address-per-hour", "0", "--log-level", "error"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGTERM); process.waitUntilExit() } }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "127.0.0.1:"), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            throw BenchError("the relay did not say its port: \(text)")
        }
        let url = "ws://127.0.0.1:\(port)/v1/ws"
        // Warm up (first connections allocate pools), then measure from there.
        var warm: [RelayConnection] = []
        for _ in 0..<20 {
            let connection = try await RelayConnection(url: url)
            _ = await connection.authenticate(VisitorIdentity(phrase: .generate()).signing, role: .visitor)
            warm.append(connection)
        }
        try await Task.sleep(for: .milliseconds(500))
        let before = rss(of: process.processIdentifier)
        var open: [RelayConnection] = []
        open.reserveCapacity(connections)
        while open.count < connections {
            let batch = try await withThrowingTaskGroup(of: RelayConnection.self) { group in
                for _ in 0..<min(100, connections - open.count) {
                    group.addTask {
                        let connection = try await RelayConnection(url: url)
                        guard await connection.authenticate(VisitorIdentity(phrase: .generate()).signing, role: .visitor)?["t"] as? String == "ready"
                        else { throw BenchError("a visitor could not authenticate") }
                        return connection
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            open += batch
        }
        try await Task.sleep(for: .seconds(1))
        let after = rss(of: process.processIdentifier)
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        let healthy = String(decoding: data, as: UTF8.self).contains("\"ok\"")
        for connection in open + warm { await connection.close() }
        return Result(connections: connections, before: before, after: after, healthy: healthy)
    }

    /// Resident memory in KiB, from /proc.
    static func rss(of pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib
    }

    private static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("\(path) \(arguments.first ?? "") failed") }
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
