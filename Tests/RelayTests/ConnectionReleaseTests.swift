import Foundation
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NetreachCore
import NetreachRelay
import Synchronization
import Testing

/// What a WebSocket connection leaves in memory once it has closed: nothing (docs/RELIABILITY.md,
/// "Connection churn"). Counted objects, not resident memory, so that the answer is exact.
@Suite("Connection release: a closed connection leaves nothing behind")
struct ConnectionReleaseTests {
    @Test("every session is freed when its connection closes: visitors authenticated, opened and subscribed, staff subscribed")
    func sessionsAreFreed() async throws {
        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring()) { relay in
            var clients: [TestClient] = []
            for _ in 0..<12 {
                let visitor = VisitorClient()
                let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
                clients.append(client)
                _ = await client.authenticate(visitor.identity.signing, role: .visitor)
                try #require(await client.open(try visitor.openedEvent(for: deployment))?.message.type == "ack")
                client.send(["t": "subscribe", "from": 0])
                try #require(await client.next("live") != nil)
            }
            let staff = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            clients.append(staff)
            _ = await staff.authenticate(deployment.staff[0].signing, role: .staff)
            staff.send(["t": "subscribe", "from": 0])
            try #require(await staff.next("live") != nil)
            // The count sees them: 13 sessions while they are open.
            #expect(relay.core.sessionsAlive.load(ordering: .relaxed) == 13)
            for client in clients { await client.close() }
            #expect(await settles(within: .seconds(20)) { relay.core.sessionsAlive.load(ordering: .relaxed) == 0 },
                    "\(relay.core.sessionsAlive.load(ordering: .relaxed)) sessions still in memory after their connections closed")
        }
    }

    /// The reproduction of the leak found in hummingbird-websocket 2.8.1, for its maintainers: a bare
    /// server with the library's WebSocket router and a request context that counts itself. Each
    /// upgraded request's context stays in memory for good (the router stores it in a box that the
    /// context itself holds); the relay does not use the router for this reason.
    @Test("the library's WebSocket router keeps every upgraded request's context (hummingbird-websocket 2.8.1, worked around)")
    func routerKeepsContexts() async throws {
        let counter = LifeCounter()
        let router = Router(context: CountedWebSocketContext.self)
        router.ws("/ws") { inbound, _, _ in
            for try await _ in inbound {}
        }
        let freed = try await churn(connections: 10, counter: counter) { port in
            Application(router: Router(context: CountedWebSocketContext.self), server: .http1WebSocketUpgrade(webSocketRouter: router),
                        configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { port($0.localAddress?.port ?? 0) },
                        logger: quietLogger)
        } setUp: { CountedWebSocketContext.counter.withLock { $0 = counter } }
        withKnownIssue("hummingbird-websocket 2.8.1: WebSocketRouter.swift stores the context in context.webSocket.handler, a cycle") {
            #expect(freed, "\(counter.alive.load(ordering: .relaxed)) contexts still in memory")
        }
    }

    /// The same server and clients without the router, as the relay serves its WebSocket: an object
    /// made for each upgrade and held by its handler is freed when the connection closes.
    @Test("without the router, what an upgrade holds is freed when its connection closes")
    func upgradeWithoutRouterFrees() async throws {
        let counter = LifeCounter()
        let freed = try await churn(connections: 10, counter: counter) { port in
            Application(router: Router(), server: .http1WebSocketUpgrade { _, _, _ in
                let held = Counted(counter)
                return .upgrade([:]) { inbound, _, _ in
                    for try await _ in inbound {}
                    withExtendedLifetime(held) {}
                }
            }, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { port($0.localAddress?.port ?? 0) },
                        logger: quietLogger)
        } setUp: {}
        #expect(freed, "\(counter.alive.load(ordering: .relaxed)) objects still in memory")
    }

    /// Starts the server, opens and closes `connections` WebSockets one after another, and says
    /// whether every counted object was freed within 5 s of the last close.
    private func churn<App: ApplicationProtocol>(connections: Int, counter: LifeCounter,
                                                 _ make: (@escaping @Sendable (Int) -> Void) -> App,
                                                 setUp: () -> Void) async throws -> Bool {
        setUp()
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = make { sink.yield($0) }
        let server = Task {
            defer { sink.finish() }
            try await application.runService(gracefulShutdownSignals: [])
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next(), "the server did not start")
        for _ in 0..<connections {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws", logger: quietLogger) { _, outbound, _ in
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        #expect(counter.made.load(ordering: .relaxed) >= connections, "the counted objects were not made")
        return await settles(within: .seconds(5)) { counter.alive.load(ordering: .relaxed) == 0 }
    }
}

/// Objects of one kind made and still alive.
final class LifeCounter: Sendable {
    let made = Atomic<Int>(0)
    let alive = Atomic<Int>(0)
}

/// Counts itself in a `LifeCounter` from its making to its freeing.
final class Counted: Sendable {
    let counter: LifeCounter
    init(_ counter: LifeCounter) {
        self.counter = counter
        counter.made.add(1, ordering: .relaxed)
        counter.alive.add(1, ordering: .relaxed)
    }
    deinit { counter.alive.subtract(1, ordering: .relaxed) }
}

/// A WebSocket request context as the library's own, plus a counted object.
struct CountedWebSocketContext: RequestContext, WebSocketRequestContext {
    /// The counter of the test that runs a server with this context (the library makes the context).
    static let counter = Mutex(LifeCounter())
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let counted: Counted

    init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        counted = Counted(CountedWebSocketContext.counter.withLock { $0 })
    }
}

private let quietLogger = { var logger = Logger(label: "release-test"); logger.logLevel = .critical; return logger }()

/// Polls `condition` until it holds or `limit` has passed.
private func settles(within limit: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return true
}
