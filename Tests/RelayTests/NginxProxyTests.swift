import ChildProcess
import Foundation
import NIOSSL
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// ops/deploy/nginx-netreach.conf, as an admin installs it, in front of a live relay: real nginx,
/// real TLS, the page, /health and a WebSocket through it, and no visitor address written anywhere.
@Suite("Relay behind nginx: the shipped site configuration")
struct NginxProxyTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let site = repository.appendingPathComponent("ops/deploy/nginx-netreach.conf").path

    /// A port nothing listens on now (the kernel's choice, released at once).
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The site file with only what a test must change: names, ports, certificate paths, the web root.
    static func localSite(https: Int, http: Int, relayPort: Int, directory: String) throws -> String {
        var text = try String(contentsOfFile: site, encoding: .utf8)
        let replacements: [(String, String)] = [
            ("listen [::]:80;\n", ""), ("listen [::]:443 ssl;\n", ""),
            ("listen 80;", "listen 127.0.0.1:\(http);"), ("listen 443 ssl;", "listen 127.0.0.1:\(https) ssl;"),
            ("/etc/letsencrypt/live/chat.example.org/fullchain.pem", directory + "/cert.pem"),
            ("/etc/letsencrypt/live/chat.example.org/privkey.pem", directory + "/key.pem"),
            ("chat.example.org", "localhost"), ("proxy_pass http://127.0.0.1:8080;", "proxy_pass http://127.0.0.1:\(relayPort);"),
            ("root /var/www/html;", "root \(directory)/www;"),
        ]
        for (old, new) in replacements {
            // A site file that no longer has a line this test relies on must fail here, not test something else.
            guard text.contains(old) else { throw TestFailure("ops/deploy/nginx-netreach.conf no longer contains '\(old)'") }
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    static func python(_ code: String, _ arguments: [String]) async throws -> String {
        let outcome = try await ChildProcess.run("/usr/bin/python3", ["-c", code] + arguments, timeout: .seconds(30))
        guard outcome.status == 0 else { throw TestFailure("python: \(outcome.output) \(outcome.errors)") }
        return outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("nginx -t accepts the site; through it the page, /health and a chat's WebSocket reach the relay; http redirects; nothing logs an address")
    func proxied() async throws {
        let directory = NSTemporaryDirectory() + "netreach-nginx-" + Hex.encode(Random.bytes(count: 6))
        for folder in ["", "/www", "/tmp"] {
            try FileManager.default.createDirectory(atPath: directory + folder, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let openssl = try await ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem"], timeout: .seconds(60))
        try #require(openssl.status == 0, "\(openssl.errors)")

        try await withTestRelay(directory: try Deployment().keyring(), opensPerAddressPerHour: 0) { relay in
            let https = try Self.freePort(), http = try Self.freePort()
            try Self.localSite(https: https, http: http, relayPort: relay.port, directory: directory)
                .write(toFile: directory + "/site.conf", atomically: true, encoding: .utf8)
            let temporary = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map { "\($0)_temp_path \(directory)/tmp/\($0);" }
            try """
                worker_processes 1;
                pid \(directory)/nginx.pid;
                error_log \(directory)/main-error.log crit;
                events { worker_connections 64; }
                http {
                    \(temporary.joined(separator: "\n    "))
                    include \(directory)/site.conf;
                }
                """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let check = try await ChildProcess.run("/usr/sbin/nginx", ["-t", "-c", directory + "/nginx.conf", "-p", directory], timeout: .seconds(30))
            #expect(check.status == 0, "nginx -t: \(check.errors)")

            let nginx = try ChildProcess("/usr/sbin/nginx", ["-c", directory + "/nginx.conf", "-p", directory, "-g", "daemon off;"])
            defer { nginx.send(SIGKILL) }
            // nginx is up when its https port answers.
            let fetch = """
                import http.client, ssl, sys, time
                port, path, cafile, tls = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "tls"
                for attempt in range(100):
                    try:
                        c = (http.client.HTTPSConnection("localhost", port, context=ssl.create_default_context(cafile=cafile), timeout=10)
                             if tls else http.client.HTTPConnection("127.0.0.1", port, timeout=10))
                        c.request("GET", path, headers={"Host": "localhost"})
                        r = c.getresponse()
                        body = r.read()
                        print(r.status, r.getheader("Location") or "", r.getheader("Content-Security-Policy") or "", body[:200].decode(errors="replace"))
                        break
                    except (ConnectionRefusedError, ConnectionResetError):
                        time.sleep(0.1)
                """
            let health = try await Self.python(fetch, [String(https), "/health", directory + "/cert.pem", "tls"])
            #expect(health.hasPrefix("200 ") && health.contains("\"status\":\"ok\""), "\(health)")
            let page = try await Self.python(fetch, [String(https), "/", directory + "/cert.pem", "tls"])
            #expect(page.hasPrefix("200 ") && page.contains("default-src 'self'"), "the relay's page and its CSP come through: \(page)")
            let metrics = try await Self.python(fetch, [String(https), "/metrics", directory + "/cert.pem", "tls"])
            #expect(metrics.hasPrefix("404 ") && !metrics.contains("netreach_"), "the relay's counters are not for the internet: \(metrics)")
            let plain = try await Self.python(fetch, [String(http), "/", directory + "/cert.pem", "plain"])
            #expect(plain.hasPrefix("301 https://localhost/"), "\(plain)")

            // A chat's WebSocket through nginx: hello, authentication, a ping answered.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(directory + "/cert.pem"))
            let client = try await TestClient(url: "wss://localhost:\(https)/v1/ws", tls: tls, helloTimeout: testHelloTimeout)
            #expect(await client.authenticate(VisitorClient().identity.signing, role: .visitor)?["t"] as? String == "ready")
            client.send(["t": "ping", "rid": "through-nginx"])
            #expect(await client.next("pong")?["rid"] as? String == "through-nginx")
            await client.close()

            nginx.send(SIGQUIT)
            _ = await nginx.wait(timeout: .seconds(10))
            // Nothing nginx wrote names the client: no access log, and no file with the loopback address in it.
            let written = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }
            #expect(written == ["main-error.log"] || written.isEmpty, "\(written)")
            for name in written {
                let text = (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
                #expect(!text.contains("127.0.0.1"), "\(name): \(text)")
            }
        }
    }
}
