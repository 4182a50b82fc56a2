import ChildProcess
import Foundation
import NIOSSL
import NetreachCore
import NetreachRelay
import Testing

/// Self-signed certificates made with the `openssl` command, and what a real TLS client is served.
enum TestCertificates {
    struct Pair {
        let certificate: String
        let key: String
    }

    /// What each reload test starts from: a scratch folder (the caller removes it), two pairs with
    /// serials 0A11 and 0B22, and the `live` files the relay is given, holding pair `a`.
    struct Scenario {
        let directory: String
        let a: Pair
        let b: Pair
        let live: Pair

        static func make(_ prefix: String) async throws -> Scenario {
            let directory = NSTemporaryDirectory() + prefix + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let a = try await TestCertificates.make(in: directory, name: "a", serial: "0A11")
            let b = try await TestCertificates.make(in: directory, name: "b", serial: "0B22")
            let live = Pair(certificate: directory + "/live.crt", key: directory + "/live.key")
            try TestCertificates.install(a, as: live)
            return Scenario(directory: directory, a: a, b: b, live: live)
        }
    }

    /// A fresh key and a certificate for `localhost` and 127.0.0.1 with the serial number `serial` (hex).
    static func make(in directory: String, name: String, serial: String) async throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).crt", key: "\(directory)/\(name).key")
        let made = try await ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-set_serial", "0x" + serial,
            "-keyout", pair.key, "-out", pair.certificate,
        ], timeout: .seconds(60))
        guard made.status == 0 else { throw TestFailure("openssl req failed: \(made.errors)") }
        return pair
    }

    /// Puts `pair` where the relay reads its certificate and key, each file replaced in one rename.
    static func install(_ pair: Pair, as live: Pair) throws {
        for (from, to) in [(pair.certificate, live.certificate), (pair.key, live.key)] {
            try? FileManager.default.removeItem(atPath: to + ".new")
            try FileManager.default.copyItem(atPath: from, toPath: to + ".new")
            guard rename(to + ".new", to) == 0 else { throw TestFailure("cannot rename onto \(to): errno \(errno)") }
        }
    }

    /// The serial number of the first certificate in a PEM file, as `openssl x509 -serial` prints it.
    static func serial(ofFile path: String) async throws -> String {
        let outcome = try await ChildProcess.run("/usr/bin/openssl", ["x509", "-noout", "-serial", "-in", path], timeout: .seconds(60))
        guard outcome.status == 0, outcome.output.hasPrefix("serial=") else { throw TestFailure("openssl x509 -serial: \(outcome.errors)") }
        return outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The serial number of the certificate a relay on 127.0.0.1:`port` serves to a new connection,
    /// read by `openssl s_client` over a real TLS handshake (no part of this project on the client side).
    static func servedSerial(port: Int, scratch: String) async throws -> String {
        let outcome = try await ChildProcess.run("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"],
                                                 timeout: .seconds(60))
        guard let begin = outcome.output.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = outcome.output.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<outcome.output.endIndex) else {
            throw TestFailure("openssl s_client got no certificate (status \(outcome.status)): \(outcome.errors)")
        }
        let path = scratch + "/served-\(UUID().uuidString).pem"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data((outcome.output[begin.lowerBound..<end.upperBound] + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return try await serial(ofFile: path)
    }

    /// A client TLS configuration that trusts only `pair`'s certificate.
    static func trusting(_ pair: Pair) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pair.certificate))
        return tls
    }
}

/// The built `netreach-relay`, beside the test bundle.
func builtRelayExecutable() throws -> String {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.pathComponents.count > 1 {
        url.deleteLastPathComponent()
        let candidate = url.appendingPathComponent("netreach-relay").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestFailure("cannot find the built netreach-relay next to \(CommandLine.arguments[0])")
}

@Suite("Relay: certificate reload on SIGHUP")
struct TLSReloadTests {
    @Test("the built relay, sent a real SIGHUP, serves a renewed certificate to new connections, keeps an open chat, and refuses a broken one")
    func realSignal() async throws {
        let scenario = try await TestCertificates.Scenario.make("netreach-tls-reload-")
        let (directory, a, b, live) = (scenario.directory, scenario.a, scenario.b, scenario.live)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let relayPath = try builtRelayExecutable()
        let deployment = directory + "/deployment"
        let made = try await ChildProcess.run(relayPath, ["demo-deployment", "--dir", deployment], timeout: .seconds(120))
        try #require(made.status == 0, "demo-deployment: \(made.errors)")

        let relay = try ChildProcess(relayPath, [
            "serve", "--data-dir", deployment + "/data", "--keys", deployment + "/Keys", "--relay-key", deployment + "/private/relay.key",
            "--passphrase-file", deployment + "/private/demo.passphrase", "--web-config", deployment + "/web-config.json",
            "--host", "127.0.0.1", "--port", "0", "--pow-bits", "4", "--log-level", "info",
            "--tls-cert", live.certificate, "--tls-key", live.key,
        ], mergingErrorsIntoOutput: true)
        defer {
            relay.send(SIGKILL)
            relay.waitBlocking(timeout: .seconds(10))
        }
        let line = await relay.waitForOutputLine(containing: "listening on https://127.0.0.1:", timeout: .seconds(120))
        let listening = try #require(line, "the relay did not start: \(relay.output)")
        let range = try #require(listening.range(of: "https://127.0.0.1:"))
        let port = try #require(Int(listening[range.upperBound...].prefix { $0.isNumber }))
        #expect(try await TestCertificates.servedSerial(port: port, scratch: directory) == TestCertificates.serial(ofFile: a.certificate))

        // A chat open over the first certificate.
        let open = try await TestClient(url: "wss://localhost:\(port)/v1/ws", tls: try TestCertificates.trusting(a), helloTimeout: testHelloTimeout)
        #expect(await open.authenticate(VisitorClient().identity.signing, role: .visitor)?["t"] as? String == "ready")

        // Renewal: new files, then SIGHUP.
        try TestCertificates.install(b, as: live)
        relay.send(SIGHUP)
        let reloaded = await relay.waitForOutputLine(containing: "TLS certificate reloaded", timeout: .seconds(60))
        #expect(reloaded != nil, "no reload was logged after SIGHUP: \(relay.output)")
        #expect(try await TestCertificates.servedSerial(port: port, scratch: directory) == TestCertificates.serial(ofFile: b.certificate))
        open.send(["t": "ping", "rid": "after-reload"])
        #expect(await open.next("pong", timeout: .seconds(60))?["rid"] as? String == "after-reload", "the open chat was dropped by the reload")
        let renewed = try await TestClient(url: "wss://localhost:\(port)/v1/ws", tls: try TestCertificates.trusting(b), helloTimeout: testHelloTimeout)
        #expect(await renewed.authenticate(VisitorClient().identity.signing, role: .visitor)?["t"] as? String == "ready")
        await renewed.close()

        // A broken certificate is refused, with one line, and the renewed one stays.
        try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: live.certificate))
        relay.send(SIGHUP)
        let refused = await relay.waitForOutputLine(containing: "TLS certificate reload refused", timeout: .seconds(60))
        let refusal = try #require(refused, "no refusal was logged: \(relay.output)")
        #expect(refusal.contains(live.certificate), "the refusal names the file: \(refusal)")
        #expect(relay.isRunning)
        #expect(try await TestCertificates.servedSerial(port: port, scratch: directory) == TestCertificates.serial(ofFile: b.certificate))
        open.send(["t": "ping", "rid": "after-refusal"])
        #expect(await open.next("pong", timeout: .seconds(60))?["rid"] as? String == "after-refusal")
        let keyBody = try String(contentsOfFile: b.key, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("-----") }
        #expect(!relay.output.contains("PRIVATE KEY") && keyBody.allSatisfy { !relay.output.contains($0) }, "key material in the log")

        await open.close()
        relay.send(SIGTERM)
        #expect(await relay.wait(timeout: .seconds(60))?.status == 0, "\(relay.output)")
    }
}
