import Foundation
import NetreachRelay
import Testing

extension TLSReloadTests {
    @Test("reload() serves a renewed certificate to new TLS connections while a WebSocket opened before keeps talking")
    func reloadInProcess() async throws {
        let scenario = try await TestCertificates.Scenario.make("netreach-tls-reload-")
        let (directory, a, b, live) = (scenario.directory, scenario.a, scenario.b, scenario.live)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withTestRelay(directory: try Deployment().keyring(), tls: (live.certificate, live.key)) { relay in
            let certificates = try #require(relay.certificates)
            #expect(try await TestCertificates.servedSerial(port: relay.port, scratch: directory) == TestCertificates.serial(ofFile: a.certificate))
            let open = try await TestClient(url: "wss://localhost:\(relay.port)/v1/ws", tls: try TestCertificates.trusting(a), helloTimeout: testHelloTimeout)
            #expect(await open.authenticate(VisitorClient().identity.signing, role: .visitor)?["t"] as? String == "ready")

            try TestCertificates.install(b, as: live)
            let served = try certificates.reload()
            #expect(try await "serial=" + served.serial.uppercased() == TestCertificates.serial(ofFile: b.certificate))
            #expect(try await TestCertificates.servedSerial(port: relay.port, scratch: directory) == TestCertificates.serial(ofFile: b.certificate))
            open.send(["t": "ping", "rid": "after-reload"])
            #expect(await open.next("pong", timeout: .seconds(60))?["rid"] as? String == "after-reload", "the open chat was dropped by the reload")
            await open.close()
        }
    }

    /// Ways a renewal can go wrong on disk.
    enum Breakage: String, CaseIterable, Sendable {
        case certificateMissing, keyMissing, certificateNotPEM, certificateEmpty, keyNotPEM, keyOfAnotherCertificate

        var code: TLSCertificateError.Code {
            switch self {
            case .certificateMissing, .keyMissing: .unreadable
            case .certificateNotPEM, .certificateEmpty: .badCertificate
            case .keyNotPEM: .badKey
            case .keyOfAnotherCertificate: .refusedPair
            }
        }

        /// Breaks the live pair; returns the file the error must name.
        func apply(to live: TestCertificates.Pair, other: TestCertificates.Pair) throws -> String {
            switch self {
            case .certificateMissing:
                try FileManager.default.removeItem(atPath: live.certificate)
                return live.certificate
            case .keyMissing:
                try FileManager.default.removeItem(atPath: live.key)
                return live.key
            case .certificateNotPEM:
                try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: live.certificate))
                return live.certificate
            case .certificateEmpty:
                try Data().write(to: URL(fileURLWithPath: live.certificate))
                return live.certificate
            case .keyNotPEM:
                try Data("this is not a key\n".utf8).write(to: URL(fileURLWithPath: live.key))
                return live.key
            case .keyOfAnotherCertificate:
                try FileManager.default.removeItem(atPath: live.key)
                try FileManager.default.copyItem(atPath: other.key, toPath: live.key)
                return live.key
            }
        }
    }

    @Test("a certificate or key that does not load is refused, naming the file, and the pair in force stays", arguments: Breakage.allCases)
    func brokenPairRefused(_ breakage: Breakage) async throws {
        let scenario = try await TestCertificates.Scenario.make("netreach-tls-broken-")
        let (directory, b, live) = (scenario.directory, scenario.b, scenario.live)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificates = try TLSCertificateStore(certificatePath: live.certificate, keyPath: live.key)
        let before = certificates.served
        let named = try breakage.apply(to: live, other: b)

        #expect {
            try certificates.reload()
        } throws: { error in
            (error as? TLSCertificateError)?.code == breakage.code && (error as? TLSCertificateError)?.path == named
                && "\(error)".hasPrefix(named + ": ") && !"\(error)".contains("PRIVATE KEY")
        }
        #expect(certificates.served == before, "the pair in force must stay")
        // At start the same files stop the relay with the same error.
        #expect {
            _ = try TLSCertificateStore(certificatePath: live.certificate, keyPath: live.key)
        } throws: { error in
            (error as? TLSCertificateError)?.code == breakage.code
        }
    }
}
