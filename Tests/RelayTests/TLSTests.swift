import ChildProcess
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOSSL
import NetreachCore
import NetreachRelay
import Testing

@Suite("Relay: TLS")
struct TLSTests {
    @Test("with a certificate the relay speaks wss, which a client trusting that certificate uses, and refuses plain ws")
    func secureWebSocket() async throws {
        let dir = NSTemporaryDirectory() + "netreach-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let openssl = try await ChildProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"], timeout: .seconds(60))
        try #require(openssl.status == 0, "\(openssl.errors)")

        let deployment = try Deployment()
        try await withTestRelay(directory: try deployment.keyring(), tls: (dir + "/cert.pem", dir + "/key.pem")) { relay in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(dir + "/cert.pem"))
            // NIOSSL sends the host as SNI, which may not be an IP address: the loopback name is used instead.
            let secure = try await TestClient(url: "wss://localhost:\(relay.port)/v1/ws", tls: tls, helloTimeout: testHelloTimeout)
            let visitor = VisitorClient()
            #expect(await secure.authenticate(visitor.identity.signing, role: .visitor)?["t"] as? String == "ready")
            await secure.close()
            // Plain http to the TLS port gets no answer it can use.
            var plain = URLRequest(url: URL(string: relay.httpBase + "/health")!)
            plain.timeoutInterval = 3
            await #expect(throws: (any Error).self) { _ = try await URLSession.shared.data(for: plain) }
        }
    }
}

@Suite("Relay: idle connections")
struct IdleTests {
    @Test("an idle WebSocket stays open past the idle timeout")
    func idleWebSocketStays() async throws {
        try await withTestRelay(directory: try Deployment().keyring(), idleTimeout: .seconds(1)) { relay in
            let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
            _ = await client.authenticate(VisitorClient().identity.signing, role: .visitor)
            try await Task.sleep(for: .seconds(2))
            client.send(["t": "ping", "rid": "after-idle"])
            #expect(await client.next("pong")?["rid"] as? String == "after-idle")
            await client.close()
        }
    }
}
