import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import NetreachCore
import NetreachRelay
import NIOCore
import NIOPosix
import Sodium
import Synchronization

/// A real relay on 127.0.0.1 with a port the system chose, on a log in a temporary directory.
final class TestRelay: Sendable {
    let dataDirectory: String
    let core: RelayCore
    /// The relay's log as the file store it is unless a test gave another store (the relay itself
    /// knows it only as an `EventStore`).
    let fileStore: FileEventStore?
    var metrics: RelayMetrics { core.metrics }
    let port: Int
    /// The certificate and key a TLS relay serves; `reload()` is what SIGHUP does to them.
    let certificates: TLSCertificateStore?
    private let server: Task<Void, any Error>

    init(directory: any StaffDirectory, powBits: Int = 8, challengeLifetime: Duration = .seconds(60),
         opensPerAddressPerHour: Int = 30, tls: (certificate: String, key: String)? = nil,
         idleTimeout: Duration = .seconds(30), requestHeadTimeout: Duration = .seconds(10), web: WebConfiguration = WebConfiguration(),
         port requestedPort: Int = 0, dataDirectory existing: String? = nil, store given: (any EventStore)? = nil,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, clock: (@Sendable () -> UInt64)? = nil,
         relayKey: SigningKeyPair = .generate()) async throws {
        dataDirectory = existing ?? NSTemporaryDirectory() + "netreach-relay-" + UUID().uuidString
        let store: any EventStore
        if let given {
            store = given
            fileStore = nil
        } else {
            let file = try FileEventStore(directory: dataDirectory)
            store = file
            fileStore = file
        }
        core = RelayCore(store: store, relayKey: relayKey, directory: directory, powBits: powBits,
                         challengeLifetime: challengeLifetime, opensPerAddressPerHour: opensPerAddressPerHour, clock: clock, now: now)
        let configuration = try RelayConfiguration(host: "127.0.0.1", port: requestedPort, dataDirectory: dataDirectory,
                                                   keysDirectory: "unused", tlsCertificate: tls?.certificate, tlsKey: tls?.key,
                                                   idleTimeout: idleTimeout, requestHeadTimeout: requestHeadTimeout, web: web)
        var logger = Logger(label: "test-relay")
        logger.logLevel = .warning
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let certificates = try tls.map { try TLSCertificateStore(certificatePath: $0.certificate, keyPath: $0.key) }
        self.certificates = certificates
        let application = try RelayServer.makeApplication(core: core, configuration: configuration, certificates: certificates,
                                                          logger: logger) { port in portSink.yield(port) }
        // A server that cannot start (its port taken) ends the stream, so this fails instead of waiting forever.
        // The relay's tasks run on an event loop, as `netreach-relay serve` runs them (RelayExecutor),
        // not on the test process's shared threads: two tests busy there for a minute (a generated
        // log folded, Argon2id) must not stall every relay of the run.
        let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
        let server = Task {
            defer { portSink.finish() }
            try await withTaskExecutorPreference(executor) {
                try await application.runService(gracefulShutdownSignals: [])
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            let reason: String
            do { try await server.value; reason = "it stopped" } catch { reason = "\(error)" }
            await core.store.close()
            if existing == nil { try? FileManager.default.removeItem(atPath: dataDirectory) }
            throw TestFailure("the relay did not start on port \(requestedPort): \(reason)")
        }
        self.server = server
        self.port = port
    }

    /// A relay on a port outside the system's ephemeral range (32768–60999 on Linux), for a test that stops it
    /// and starts it again on the same port: an ephemeral port freed by the first relay may be taken
    /// by any client socket before the second binds it.
    static func onRestartablePort(_ make: (Int) async throws -> TestRelay) async throws -> TestRelay {
        var failures: [String] = []
        for _ in 0..<20 {
            do { return try await make(Int.random(in: 20_000..<32_000)) } catch { failures.append("\(error)") }
        }
        throw TestFailure("no free port for a restartable relay: \(failures.suffix(3))")
    }

    /// Starts a relay again on the port an earlier one had, retrying for a while in case the old
    /// listening socket is not yet gone.
    static func restart(on port: Int, _ make: (Int) async throws -> TestRelay) async throws -> TestRelay {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do { return try await make(port) } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    var webSocketURL: String { "ws://127.0.0.1:\(port)/v1/ws" }
    var httpBase: String { "http://127.0.0.1:\(port)" }

    /// Stops the server, closes the log, and removes the data directory.
    func stop(keepingData: Bool = false) async {
        server.cancel()
        _ = try? await server.value
        await core.store.close()
        if !keepingData { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// Every byte of every file under the data directory.
    func dataDirectoryBytes() -> [UInt8] {
        let enumerator = FileManager.default.enumerator(atPath: dataDirectory)
        var all: [UInt8] = []
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: dataDirectory + "/" + name) { all += data }
        }
        return all
    }
}

/// Runs `body` against a fresh relay, then stops it and removes its folder — also when an
/// expectation, a `#require` or the body itself fails (as Hummingbird's `app.test(.live)` does).
func withTestRelay<Result: Sendable>(
    directory: any StaffDirectory, powBits: Int = 8, challengeLifetime: Duration = .seconds(60), opensPerAddressPerHour: Int = 30,
    tls: (certificate: String, key: String)? = nil, idleTimeout: Duration = .seconds(30), requestHeadTimeout: Duration = .seconds(10),
    web: WebConfiguration = WebConfiguration(), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
    clock: (@Sendable () -> UInt64)? = nil,
    _ body: (TestRelay) async throws -> Result
) async throws -> Result {
    let relay = try await TestRelay(directory: directory, powBits: powBits, challengeLifetime: challengeLifetime,
                                    opensPerAddressPerHour: opensPerAddressPerHour, tls: tls, idleTimeout: idleTimeout,
                                    requestHeadTimeout: requestHeadTimeout, web: web, now: now, clock: clock)
    let result: Result
    do {
        result = try await body(relay)
    } catch {
        await relay.stop()
        throw error
    }
    await relay.stop()
    return result
}

/// The Prometheus text a relay serves at `/metrics`, fetched over HTTP like a scraper would.
func scrapeMetrics(_ relay: TestRelay) async throws -> String {
    let (data, _) = try await URLSession.shared.data(from: URL(string: relay.httpBase + "/metrics")!)
    return String(decoding: data, as: UTF8.self)
}

/// A metric's value in Prometheus text (`name 3` or `name{labels} 3`), or nil when the relay does not serve it.
func metricValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// The clock of a relay's rate windows, moved only by the test.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: @Sendable () -> ContinuousClock.Instant { { self.instant.withLock { $0 } } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return false }
    let first = needle[0]
    var index = haystack.startIndex
    while let found = haystack[index...].firstIndex(of: first) {
        if found + needle.count > haystack.count { return false }
        if haystack[found..<(found + needle.count)].elementsEqual(needle) { return true }
        index = found + 1
    }
    return false
}

/// The start most relay tests share: a deployment, a relay, and a visitor whose conversation is open.
enum OpenConversation {
    /// Runs `body` with a relay, its deployment, and a visitor whose conversation is open; the
    /// client is closed and the relay stopped and removed afterwards, whatever happens in `body`.
    static func with<Result: Sendable>(
        _ body: (TestRelay, Deployment, VisitorClient, TestClient) async throws -> Result
    ) async throws -> Result {
        let deployment = try Deployment()
        return try await withTestRelay(directory: try deployment.keyring()) { relay in
            let visitor = VisitorClient()
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            let result: Result
            do {
                _ = await client.authenticate(visitor.identity.signing, role: .visitor)
                guard await client.open(try visitor.openedEvent(for: deployment))?["t"] as? String == "ack" else {
                    throw TestFailure("the conversation did not open")
                }
                result = try await body(relay, deployment, visitor, client)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
            return result
        }
    }
}

/// A task executor on one event loop: the tasks that prefer it run on that loop's thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
