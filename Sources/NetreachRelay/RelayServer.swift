import EventLog
import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import Logging
import NIOCore
import NetreachCore
import Sodium

/// Builds the relay's HTTP and WebSocket application (docs/PROTOCOL.md, "Transport" and "HTTP").
public enum RelayServer {
    /// With TLS on, `certificates` is what every new connection is served (made from the
    /// configuration's files when not given); its `reload()` swaps the pair without a restart.
    public static func makeApplication(core: RelayCore, configuration: RelayConfiguration, certificates: TLSCertificateStore? = nil,
                                       logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> some ApplicationProtocol {
        let started = ContinuousClock.now
        let metrics = core.metrics
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("/health") { _, _ -> Response in
            let uptime = (ContinuousClock.now - started).components.seconds
            let position = core.store.currentHead().count
            // A store that has stopped refuses every write: a monitor must not read that as healthy.
            if let cause = core.store.stoppedBecause {
                return json(["status": cause.code.isDamage ? "damaged" : "failed", "reason": cause.code.name,
                             "position": position, "uptimeSeconds": uptime], status: .serviceUnavailable)
            }
            return json(["status": "ok", "position": position, "uptimeSeconds": uptime])
        }
        router.get("/v1/keyring") { _, _ -> Response in
            json(await core.keyringDocument())
        }
        // The public alert feed (docs/INCIDENTS.md, "Alerts"), newest first. Anyone may read it; a
        // reader verifies each alert against the keyring, and checks identifiers on their own device.
        let alerts: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            do {
                let feed = try await core.alerts()
                return json(["alerts": feed.map { ["position": $0.position, "event": Base64URL.encode($0.event)] as [String: any Sendable] }])
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"unavailable"}"#)))
            }
        }
        router.get("/v1/alerts", use: alerts)
        router.get("/alerts", use: alerts)
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        WebRoutes.register(on: router, core: core, configuration: configuration.web, logger: logger)

        // The WebSocket endpoint is chosen by a plain function of the request, not a second router:
        // hummingbird-websocket's router keeps each connection's request context in a box that the
        // context itself refers to, a cycle never broken, so every connection left about 0.7 KiB
        // behind for good, its peer address among it (docs/RELIABILITY.md, "Connection churn").
        let shouldUpgrade: @Sendable (HTTPRequest, any Channel, Logger) throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> = { head, channel, _ in
            guard head.method == .get, let path = head.path, path.split(separator: "?", maxSplits: 1).first == "/v1/ws" else {
                return .dontUpgrade
            }
            let addressToken = core.addressLimiter.token(for: channel.remoteAddress)
            let eventLoop = channel.eventLoop
            return .upgrade([:]) { inbound, outbound, _ in
                try await serveWebSocket(inbound: inbound, outbound: outbound, core: core, addressToken: addressToken,
                                         eventLoop: eventLoop)
            }
        }

        // A text frame that is not UTF-8 ends the connection (close code 1007, RFC 6455 §8.1) instead of
        // being read with replacement characters. The library's limits sit above the relay's, so that a
        // message just over the relay's limit gets the relay's `tooLarge` answer, not a bare close.
        let ws = WebSocketServerConfiguration(maxFrameSize: libraryMessageLimit, closeTimeout: .seconds(5), validateUTF8: true)
        let idle = configuration.idleTimeout.components
        let http1 = HTTP1Channel.Configuration(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))
        let upgrade = HTTP1WebSocketUpgradeChannel.Configuration(http1: http1, ws: ws)
        let head = configuration.requestHeadTimeout.components
        let headDeadline = TimeAmount.nanoseconds(head.seconds * 1_000_000_000 + head.attoseconds / 1_000_000_000)
        // Hummingbird's HTTP/1 + WebSocket channel, behind a deadline for the first request head (slow loris).
        let channel: @Sendable (@escaping HTTPChannelHandler.Responder) -> RequestHeadDeadlineChannel<HTTP1WebSocketUpgradeChannel> = { responder in
            RequestHeadDeadlineChannel(
                base: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: upgrade, shouldUpgrade: shouldUpgrade),
                deadline: headDeadline, onTimeout: { metrics.requestHeadTimeouts.increment() })
        }
        var tls = certificates
        if tls == nil, let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            tls = try TLSCertificateStore(certificatePath: certificate, keyPath: key)
        }
        let server: HTTPServerBuilder
        if let tls {
            server = HTTPServerBuilder { responder in ReloadableTLSChannel(base: channel(responder), certificates: tls) }
        } else {
            server = HTTPServerBuilder { responder in channel(responder) }
        }
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "netreach"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// One visitor's or staff member's WebSocket, from the upgrade to its end.
    static func serveWebSocket(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, core: RelayCore,
                               addressToken: [UInt8]?, eventLoop: any EventLoop) async throws {
        let metrics = core.metrics
        metrics.connectionsTotal.increment()
        metrics.connectionsOpen.increment()
        defer { metrics.connectionsOpen.decrement() }
        let transport = WebSocketTransport(outbound: outbound, metrics: metrics)
        let session = RelaySession(core: core, transport: transport, addressToken: addressToken)
        await session.start()
        // A connection that does not authenticate in time is told so and closed: it holds resources and
        // proves nothing. A timer on the connection's event loop, not a sleeping task: a cancelled
        // `Task.sleep` keeps its timer, and the task with everything it holds, until the deadline.
        let lifetime = core.challengeLifetime.components
        let watchdog = eventLoop.scheduleTask(in: .nanoseconds(lifetime.seconds * 1_000_000_000 + lifetime.attoseconds / 1_000_000_000)) {
            Task { await session.authenticationTimedOut() }
        }
        defer {
            watchdog.cancel()
            session.finish()
        }
        // An error thrown here goes back to the WebSocket library, which closes with the code it
        // carries: 1007 for a text frame that is not UTF-8, 1009 for a message over the library's
        // limit, 1002 for a protocol error. Catching it would turn every one of them into 1000.
        for try await message in inbound.messages(maxSize: libraryMessageLimit) {
            switch message {
            case .text(let text):
                // The relay's own limit answers first, with an error message the client can show.
                guard text.utf8.count <= ClientMessage.maximumFrameCount else {
                    let error = ProtocolError(.tooLarge, "a message is at most \(ClientMessage.maximumFrameCount) bytes")
                    try? await transport.send(.error(rid: nil, error))
                    await transport.close(code: error.code.closeCode, reason: error.code.name)
                    return
                }
                guard await session.receive(text) else { return }
            case .binary:
                let error = ProtocolError(.tooLarge, "binary frames are not part of the protocol")
                try? await transport.send(.error(rid: nil, error))
                await transport.close(code: error.code.closeCode, reason: "binary frame")
                return
            }
        }
    }

    /// The largest frame or message the WebSocket library reads at all: beyond it the library closes
    /// with 1009 and no error message, without buffering the rest (docs/PROTOCOL.md, "Transport").
    static let libraryMessageLimit = 2 * ClientMessage.maximumFrameCount

    static func json(_ object: [String: any Sendable], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A session's view of its WebSocket.
struct WebSocketTransport: SessionTransport {
    let outbound: WebSocketOutboundWriter
    let metrics: RelayMetrics

    func send(_ message: ServerMessage) async throws {
        if case .error(_, let error) = message { metrics.rejected(error.code.name) }
        try await outbound.write(.text(message.text))
    }

    func close(code: UInt16, reason: String) async {
        try? await outbound.close(code == 1009 ? .messageTooLarge : .policyViolation, reason: reason)
    }
}
