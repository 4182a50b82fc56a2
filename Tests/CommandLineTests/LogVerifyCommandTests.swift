import ChildProcess
import EventLog
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import Testing

@Suite("netreach-relay log verify")
struct LogVerifyCommandTests {
    static func makeLog(events: Int) async throws -> String {
        let path = NSTemporaryDirectory() + "netreach-cli-" + UUID().uuidString
        let store = try FileEventStore(directory: path)
        for n in 0..<events {
            _ = try await store.append(to: "s", expectedVersion: .any,
                                       events: [ProposedEvent(type: "t", timeMilliseconds: 0, payload: Array("event \(n)".utf8))])
        }
        await store.close()
        return path
    }

    @Test("an intact log prints its head and exits 0")
    func intact() async throws {
        let dir = try await Self.makeLog(events: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let table = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--data-dir", dir])
        #expect(table.status == 0)
        #expect(table.standardOutput.contains("events            5"))
        #expect(table.standardOutput.contains("head position     4"))

        let json = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--data-dir", dir, "--format", "json"])
        #expect(json.status == 0)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: String])
        #expect(fields["status"] == "ok" && fields["events"] == "5" && fields["chain"]?.count == 64)
    }

    @Test("a damaged log names the position and segment and exits 1")
    func damaged() async throws {
        let dir = try await Self.makeLog(events: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.damageThirdRecord(in: dir)
        let outcome = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--data-dir", dir])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("DAMAGED"))
        #expect(outcome.standardError.contains("position 2"))
        #expect(outcome.standardError.contains("00000000000000000000.seg"))
    }

    @Test("log cut-tail is break-glass: it cuts only at the damage the open stops on, only with --discard-acknowledged, keeps the bytes, and the log verifies after")
    func cutTail() async throws {
        let dir = try await Self.makeLog(events: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let intact = try await BinaryRunner.run("netreach-relay", ["log", "cut-tail", "--data-dir", dir, "--at", "2"])
        #expect(intact.status == 1 && intact.standardError.contains("nothing to cut"), "\(intact.standardError)")
        try Self.damageThirdRecord(in: dir)
        let elsewhere = try await BinaryRunner.run("netreach-relay", ["log", "cut-tail", "--data-dir", dir, "--at", "3"])
        #expect(elsewhere.status == 1 && elsewhere.standardError.contains("cutRefused"), "\(elsewhere.standardError)")
        let unasked = try await BinaryRunner.run("netreach-relay", ["log", "cut-tail", "--data-dir", dir, "--at", "2"])
        #expect(unasked.status == 1 && unasked.standardError.contains("--discard-acknowledged")
                && unasked.standardError.contains("2 whole record(s)"), "\(unasked.standardError)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/cut-tail-2.bin"))
        let cut = try await BinaryRunner.run("netreach-relay", ["log", "cut-tail", "--data-dir", dir, "--at", "2", "--discard-acknowledged"])
        #expect(cut.status == 0, "\(cut.standardError)")
        #expect(cut.standardOutput.contains("events now        2"), "\(cut.standardOutput)")
        #expect(cut.standardOutput.contains("the damaged record and 2 whole record(s) after it"), "\(cut.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: dir + "/cut-tail-2.bin"))
        let verify = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--data-dir", dir])
        #expect(verify.status == 0 && verify.standardOutput.contains("events            2"))
    }

    /// Flips a bit in the third record's payload, so that opening the log stops at position 2.
    static func damageThirdRecord(in dir: String) throws {
        let segment = dir + "/00000000000000000000.seg"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        // The third record's payload: walk the frames (a length field, the body, a checksum) from the 64-byte header.
        var offset = 64
        for _ in 0..<2 {
            offset += 8 + bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        }
        let third = 8 + bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        bytes[offset + third - 6] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        // Without the index snapshot, so that an open scans every record.
        try? FileManager.default.removeItem(atPath: dir + "/index.snapshot")
    }

    @Test("bad arguments are a usage error, exit 2", arguments: [["log", "verify"], ["log", "verify", "--data-dir", "/nonexistent"],
                                                                  ["log", "verify", "--data-dir", "/tmp", "--format", "xml"]])
    func usage(arguments: [String]) async throws {
        let outcome = try await BinaryRunner.run("netreach-relay", arguments)
        #expect(outcome.status == 2)
        #expect(!outcome.standardError.isEmpty)
    }

    @Test("both commands answer --version and --help")
    func versionAndHelp() async throws {
        for name in ["netreach-relay", "netreach"] {
            let version = try await BinaryRunner.run(name, ["--version"])
            #expect(version.status == 0 && version.standardOutput.split(separator: ".").count == 3)
            let help = try await BinaryRunner.run(name, ["--help"])
            #expect(help.status == 0 && help.standardOutput.contains("Example"))
        }
    }
}

@Suite("netreach-relay serve")
struct ServeCommandTests {
    @Test("serve runs a demo deployment, answers health, and stops cleanly on SIGTERM")
    func serveAndStop() async throws {
        let dir = NSTemporaryDirectory() + "netreach-serve-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try await BinaryRunner.run("netreach-relay", ["demo-deployment", "--dir", dir])
        #expect(made.status == 0)

        // The first line it prints names the port.
        let (process, port) = try await StaffDeployment.startRelay(directory: dir)
        defer { process.send(SIGKILL) }
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        #expect(String(decoding: data, as: UTF8.self).contains("\"status\":\"ok\""))

        process.send(SIGTERM)
        // It must stop by itself (a liveness check, not a timing figure: the wait only guards against a hang).
        let ended = await process.wait(timeout: .seconds(60))
        #expect(ended == .exited(0), "the relay did not stop cleanly on SIGTERM: \(ended.map(String.init(describing:)) ?? "still running")")
        let verify = try await BinaryRunner.run("netreach-relay", ["log", "verify", "--data-dir", dir + "/data"])
        #expect(verify.status == 0)
    }

    @Test("serve refuses a wrong passphrase with a clear message and exit 1")
    func wrongPassphrase() async throws {
        let dir = NSTemporaryDirectory() + "netreach-serve-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await BinaryRunner.run("netreach-relay", ["demo-deployment", "--dir", dir])
        let outcome = try await BinaryRunner.run("netreach-relay", [
            "serve", "--data-dir", dir + "/data", "--keys", dir + "/Keys", "--relay-key", dir + "/private/relay.key", "--port", "0"],
            environment: ["NETREACH_RELAY_PASSPHRASE": "not the passphrase"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("wrongPassphrase"))
    }
}
