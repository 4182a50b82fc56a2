import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket

/// A raw WebSocket client for the transport rules of docs/PROTOCOL.md: it sends frames exactly as
/// given (fragmented, oversize, not UTF-8), collects what the relay answers, and reports the close
/// code the relay sent — which the protocol client (`RelayConnection`) does not show.
enum WebSocketProbe {
    struct Outcome: Sendable {
        /// The relay's messages after `hello`, in order.
        var messages: [[String: any Sendable]]
        /// The close code the relay sent, or nil when the connection ended without one.
        var closeCode: WebSocketErrorCode?
    }

    /// Connects, sends `frames` (after `prelude`, built from the relay's `hello`), reads until the
    /// relay closes, and fails after `timeout` if it never does (a minute: a loaded CI with every suite at
    /// once once kept five probes waiting past 20 s).
    static func run(url: String, timeout: Duration = .seconds(60),
                    frames: @escaping @Sendable (_ hello: [String: any Sendable]) -> [WebSocketFrame]) async throws -> Outcome {
        let collected = Collected()
        let logger = {
            var quiet = Logger(label: "probe")
            quiet.logLevel = .critical
            return quiet
        }()
        return try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                let close = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 21), logger: logger) { inbound, outbound, _ in
                    var sent = false
                    for try await message in inbound.messages(maxSize: 1 << 21) {
                        guard case .text(let text) = message,
                              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: any Sendable] else { continue }
                        if !sent, object["t"] as? String == "hello" {
                            sent = true
                            for frame in frames(object) { try await outbound.write(.custom(frame)) }
                        } else {
                            await collected.append(object)
                        }
                    }
                }
                return Outcome(messages: await collected.messages, closeCode: close?.closeCode)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw TestFailure("the relay did not close the connection within \(timeout)") }
            return first
        }
    }

    static func text(_ string: String, fin: Bool = true) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: .text, data: ByteBuffer(string: string))
    }

    static func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(bytes: bytes))
    }

    private actor Collected {
        var messages: [[String: any Sendable]] = []
        func append(_ message: [String: any Sendable]) { messages.append(message) }
    }
}
