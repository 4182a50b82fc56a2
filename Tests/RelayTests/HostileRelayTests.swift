import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NetreachClient
import NetreachCore
import Sodium
import Testing

/// A staff member's client against a relay that does not keep to the protocol (a hostile relay, or
/// someone in the middle of a plain ws:// connection): it refuses what it cannot read, says why,
/// and never traps. The "relay" here is a bare WebSocket server that sends scripted frames.
@Suite("Client: a relay that breaks the protocol")
struct HostileRelayTests {
    static let challenge = Base64URL.encode([UInt8](repeating: 2, count: 32))
    static let relayKey = Base64URL.encode(SigningKeyPair.generate().publicKey.bytes)
    static let goodHello = #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"\#(relayKey)","powBits":0,"maxFrame":131072}"#

    /// Runs a WebSocket server on a loopback port that sends `frames` to each client, then waits for it to leave.
    static func withScriptedRelay(_ frames: [String], _ body: (String) async throws -> Void) async throws {
        let webSockets = Router(context: BasicWebSocketRequestContext.self)
        webSockets.ws("/v1/ws") { inbound, outbound, _ in
            for frame in frames { try await outbound.write(.text(frame)) }
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
        }
        let logger = { var quiet = Logger(label: "hostile-relay"); quiet.logLevel = .critical; return quiet }()
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: Router(), server: .http1WebSocketUpgrade(webSocketRouter: webSockets),
                                      configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { sink.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let server = Task {
            defer { sink.finish() }
            try await application.runService(gracefulShutdownSignals: [])
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body("ws://127.0.0.1:\(port)/v1/ws")
    }

    static let badHellos: [String] = [
        #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"\#(relayKey)","powBits":"sixteen"}"#,
        #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"not-a-key","powBits":0}"#,
        #"{"t":"hello","v":1,"challenge":7,"relay":"\#(relayKey)","powBits":0}"#,
        #"{"t":"hello","v":1,"challenge":"\#(challenge)","relay":"\#(relayKey)","powBits":200}"#,
        #"{"t":"hello"}"#,
        #"{"t":"ready","role":"staff","conversation":null,"exists":false}"#,
    ]

    @Test("a hello the client cannot read, or none, is refused with the reason, never a crash", arguments: badHellos)
    func badHello(_ hello: String) async throws {
        try await Self.withScriptedRelay([hello]) { url in
            do {
                let connection = try await RelayConnection(url: url, helloTimeout: .seconds(30))
                await connection.close()
                Issue.record("a connection was made on \(hello)")
            } catch let error as RelayConnection.ConnectionError {
                #expect(error.description.contains("cannot read") || error.description.contains("instead of hello"), "\(error)")
            }
        }
    }

    @Test("after a good hello, a message the client cannot read ends the connection and says why; what came before stays")
    func badMessageLater() async throws {
        let live = #"{"t":"live","position":3}"#
        let badEvent = #"{"t":"event","position":-4,"version":0,"time":0,"kind":"message.posted","event":"AAAA"}"#
        try await Self.withScriptedRelay([Self.goodHello, live, badEvent, #"{"t":"live","position":9}"#]) { url in
            let connection = try await RelayConnection(url: url, helloTimeout: .seconds(30))
            #expect(connection.powBits == 0)
            #expect(connection.challenge == [UInt8](repeating: 2, count: 32))
            let first = await connection.next(timeout: .seconds(30))
            #expect(first?.message == .live(position: 3))
            #expect(await connection.next(timeout: .seconds(30)) == nil, "nothing after the bad frame is read")
            let violation = await connection.violation
            #expect(violation?.contains("cannot read") == true, "\(violation ?? "no violation")")
            #expect(await connection.isClosed)
            await connection.close()
        }
    }
}
