import Foundation
import HummingbirdWSClient
public import Logging
import NIOCore
public import NIOSSL
import NIOWebSocket
public import NetreachCore
public import Sodium

/// A WebSocket connection to a relay speaking docs/PROTOCOL.md: JSON messages in and out, with
/// helpers for the requests every client makes. Messages that arrive while a request waits for its
/// answer stay queued in order, so nothing is lost.
public final class RelayConnection: Sendable {
    private let outgoing: AsyncStream<Outgoing>.Continuation

    enum Outgoing: Sendable { case text(String), binary([UInt8]), textBytes([UInt8]) }

    /// Why a connection could not be made.
    public struct ConnectionError: Error, CustomStringConvertible {
        public let description: String
    }
    let inbox = MessageInbox()
    private let connection: Task<Void, any Error>
    /// The relay's challenge, its signing key and the proof of work it asks for, from its `hello`.
    public let challenge: [UInt8]
    public let relayKey: SigningPublicKey
    public let powBits: Int

    /// Connects and waits up to `helloTimeout` for the relay's `hello`. Every frame the relay sends is
    /// read strictly (`ServerMessage.parse`); the first that is not a valid message ends the
    /// connection, and `violation` says why: a client never acts on a frame it cannot read.
    public init(url: String, tls: TLSConfiguration? = nil, logger: Logger? = nil, helloTimeout: Duration = .seconds(10)) async throws {
        let (outgoingStream, outgoing) = AsyncStream.makeStream(of: Outgoing.self)
        self.outgoing = outgoing
        let inbox = self.inbox
        let logger = logger ?? {
            var quiet = Logger(label: "netreach-client")
            quiet.logLevel = .warning
            return quiet
        }()
        connection = Task {
            defer { Task { await inbox.finish() } }
            try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: ServerMessage.maximumFrameCount),
                                              tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
                let writer = Task {
                    for await frame in outgoingStream {
                        switch frame {
                        case .text(let text): try await outbound.write(.text(text))
                        case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                        case .textBytes(let bytes):
                            try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))))
                        }
                    }
                    try await outbound.close(.normalClosure, reason: nil)
                }
                defer { writer.cancel() }
                for try await message in inbound.messages(maxSize: ServerMessage.maximumFrameCount) {
                    guard case .text(let text) = message else {
                        await inbox.finish(violation: "the relay sent a binary frame")
                        break
                    }
                    do {
                        await inbox.push(RelayMessage(message: try ServerMessage.parse(text), text: text))
                    } catch {
                        await inbox.finish(violation: "the relay sent a message this client cannot read (\(error))")
                        break
                    }
                }
            }
        }
        let first = await inbox.next(timeout: helloTimeout)
        guard case .hello(let challenge, let relay, let powBits)? = first?.message else {
            connection.cancel()
            let why = await inbox.violation ?? (first == nil ? "no hello" : "\(first?.message.type ?? "?") instead of hello")
            throw ConnectionError(description: "\(why) from the relay at \(url)")
        }
        self.challenge = challenge
        self.relayKey = relay
        self.powBits = powBits
    }

    /// Why the connection was ended on this side: the relay sent something that is not the protocol.
    public var violation: String? {
        get async { await inbox.violation }
    }

    /// Sends a frame built from `fields`, which must be JSON values (strings, numbers, booleans, arrays,
    /// dictionaries, NSNull): a programming error otherwise, never something from the network.
    public func send(_ fields: [String: Any]) {
        guard JSONSerialization.isValidJSONObject(fields),
              let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else {
            preconditionFailure("RelayConnection.send: not JSON: \(fields)")
        }
        outgoing.yield(.text(String(decoding: data, as: UTF8.self)))
    }

    public func sendRaw(_ text: String) { outgoing.yield(.text(text)) }

    public func sendBinary(_ bytes: [UInt8]) { outgoing.yield(.binary(bytes)) }

    /// Sends a text frame holding exactly these bytes, valid UTF-8 or not (hostile-input tests).
    public func sendText(bytes: [UInt8]) { outgoing.yield(.textBytes(bytes)) }

    /// The next message from the relay, or nil when the connection ended or nothing came within the timeout.
    public func next(timeout: Duration = .seconds(10)) async -> RelayMessage? {
        await inbox.next(timeout: timeout)
    }

    /// Whether a message of `type` is waiting or arrives within the timeout, without taking it.
    public func peek(_ type: String, timeout: Duration) async -> Bool {
        await inbox.peek(timeout: timeout) { $0.message.type == type }
    }

    /// The next message whose type is `type`, skipping others.
    public func next(_ type: String, timeout: Duration = .seconds(10)) async -> RelayMessage? {
        await inbox.next(timeout: timeout) { $0.message.type == type }
    }

    public func authenticate(_ signing: SigningKeyPair, role: AuthProof.Role) async -> RelayMessage? {
        let signature = signing.sign(AuthProof.signedInput(challenge: challenge, relay: relayKey, role: role))
        send(["t": "auth", "role": role.name, "key": Base64URL.encode(signing.publicKey.bytes), "sig": Base64URL.encode(signature.bytes)])
        return await next()
    }

    public func append(_ event: Event, rid: String = "r", expect: UInt64? = nil) async -> RelayMessage? {
        var fields: [String: Any] = ["t": "append", "rid": rid, "event": Base64URL.encode(event.bytes)]
        if let expect { fields["expect"] = expect }
        send(fields)
        return await answer(to: rid)
    }

    public func open(_ event: Event, pow: [UInt8]? = nil) async -> RelayMessage? {
        let pow = pow ?? ProofOfWork.solve(challenge: challenge, conversation: event.conversation, bits: powBits)
        send(["t": "open", "rid": "open", "event": Base64URL.encode(event.bytes), "pow": Base64URL.encode(pow)])
        return await answer(to: "open")
    }

    /// The `ack` or `error` for request `rid`; events that arrive meanwhile stay queued.
    public func answer(to rid: String, timeout: Duration = .seconds(10)) async -> RelayMessage? {
        await inbox.next(timeout: timeout) { received in
            switch received.message {
            case .ack(let answered, _, _, _): answered == rid
            case .error(let answered, _): answered == rid || answered == nil
            default: false
            }
        }
    }

    /// Whether the connection has ended (the relay closed it, or the network dropped).
    public var isClosed: Bool {
        get async { await inbox.isFinished }
    }

    public func close() async {
        outgoing.finish()
        _ = try? await connection.value
    }
}

/// A message from the relay: what it says, read strictly, and the text it came in.
public struct RelayMessage: Sendable {
    public let message: ServerMessage
    /// The frame exactly as it arrived.
    public let text: String

    public init(message: ServerMessage, text: String) {
        self.message = message
        self.text = text
    }

    /// One JSON field of the frame as Foundation reads it (a string, a number, a boolean or NSNull), for tests and
    /// diagnostics that look at the wire itself; code that acts on a message switches over `message`.
    public subscript(field: String) -> Any? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?[field]
    }
}

/// Messages from the relay, buffered so that a wait that times out never loses the next one.
/// Several tasks may wait at once, each for the messages it wants (an acknowledgement for its
/// request, or the next event); a message goes to the first waiter that wants it, or to the buffer.
actor MessageInbox {
    typealias Message = RelayMessage
    private struct Waiter {
        let id: Int
        let matches: @Sendable (Message) -> Bool
        /// Only told that a match exists; the message stays buffered.
        let peeking: Bool
        let continuation: CheckedContinuation<Message?, Never>
    }

    /// Messages nobody waited for, oldest first; taken ones leave a hole that `head` moves past,
    /// so a long backlog is drained in linear time.
    private var buffer: [Message?] = []
    private var head = 0
    private var waiters: [Waiter] = []
    private var finished = false
    private var nextID = 0
    /// Why this side ended the connection, if it did.
    private(set) var violation: String?

    var isFinished: Bool { finished }

    func push(_ message: Message) {
        var consumed = false
        var remaining: [Waiter] = []
        for waiter in waiters {
            if !consumed, waiter.matches(message) {
                waiter.continuation.resume(returning: message)
                if !waiter.peeking { consumed = true }
            } else {
                remaining.append(waiter)
            }
        }
        waiters = remaining
        if !consumed { buffer.append(message) }
    }

    /// Ends the inbox because the relay broke the protocol: what is buffered stays readable, nothing more arrives.
    func finish(violation: String) {
        if self.violation == nil { self.violation = violation }
        finish()
    }

    func finish() {
        finished = true
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters.removeAll()
    }

    /// The first buffered or arriving message that `matches`; the others stay queued, in order.
    func next(timeout: Duration, where matches: @escaping @Sendable (Message) -> Bool = { _ in true }) async -> Message? {
        await wait(timeout: timeout, peeking: false, matches: matches)
    }

    /// Whether a message that `matches` is buffered or arrives within the timeout; it stays buffered.
    func peek(timeout: Duration, where matches: @escaping @Sendable (Message) -> Bool) async -> Bool {
        await wait(timeout: timeout, peeking: true, matches: matches) != nil
    }

    private func wait(timeout: Duration, peeking: Bool, matches: @escaping @Sendable (Message) -> Bool) async -> Message? {
        if let index = buffer[head...].firstIndex(where: { $0.map(matches) ?? false }) {
            let message = buffer[index]
            if !peeking { take(index) }
            return message
        }
        if finished { return nil }
        nextID += 1
        let id = nextID
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            waiters.append(Waiter(id: id, matches: matches, peeking: peeking, continuation: continuation))
        }
    }

    private func take(_ index: Int) {
        buffer[index] = nil
        while head < buffer.count, buffer[head] == nil { head += 1 }
        if head > 1024 && head * 2 > buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }
}
