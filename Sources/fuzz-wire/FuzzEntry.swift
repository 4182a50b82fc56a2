// libFuzzer harness for the protocol's frame and event decoders (docs/RELIABILITY.md, "Fuzzing"; build and run with ops/fuzz):
// the relay's reader of client frames, `ClientMessage.parse`, and under it `WireJSON.parseObject` and `Event(bytes:)`.
// It needs NetreachCore only, so its sanitizer build stays small.
// A plain `swift build` compiles this file into an executable that does nothing.
import NetreachCore
import Sodium

/// The key that signs re-signed events: fixed, so that a seed signed by it stays valid.
enum Harness {
    static let key = try! SigningKeyPair(seed: [UInt8](repeating: 7, count: SigningKeyPair.seedCount))
}

/// The input is read two ways: as a client's text frame (`ClientMessage.parse`, `WireJSON.parseObject`), and as an event's
/// bytes (`Event`), also with its signature
/// made right when the harness's key is its author, so that mutations reach past the signature check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    checkFrame(text)
    checkClientMessage(text)
    checkEvent(bytes)
    if let resigned = resigned(bytes) {
        // A layout the reader accepts with a right signature is an event, and the same one.
        let layout = try? Event(previouslyVerifiedBytes: resigned)
        let event = try? Event(bytes: resigned)
        precondition(layout == event, "a rightly signed event is refused, or read differently")
    }
    return 0
}

/// A frame is one JSON object or a typed error; read twice, it reads the same; an event carried in
/// its `event` field (b64u) round-trips.
func checkFrame(_ text: String) {
    let first = try? WireJSON.parseObject(text)
    let second = try? WireJSON.parseObject(text)
    precondition(first == second, "the same frame read twice reads differently")
    guard let fields = first else { return }
    precondition(fields.count <= text.utf8.count, "more fields than bytes")
    if case .string(let encoded)? = fields["event"], let bytes = try? Base64URL.decode(encoded), let event = try? Event(bytes: bytes) {
        precondition((try? Event(bytes: event.bytes)) == event, "an event does not round-trip")
    }
}

/// The relay's reading of a frame: the same twice; an accepted message is one the JSON reader also
/// accepts, with its type in `t` and an echoed rid of at most 64 characters; the events it carries
/// round-trip; a frame too long for the protocol is refused before it is read.
func checkClientMessage(_ text: String) {
    let (rid, result) = ClientMessage.parse(text)
    let (ridAgain, again) = ClientMessage.parse(text)
    precondition(rid == ridAgain && result == again, "the same frame parses differently")
    precondition(rid.map { $0.count <= 64 } ?? true, "an echoed rid is longer than 64 characters")
    guard case .success(let message) = result else { return }
    precondition(text.utf8.count <= ClientMessage.maximumFrameCount, "an oversize frame was read")
    guard let fields = try? WireJSON.parseObject(text), case .string(let type)? = fields["t"] else {
        preconditionFailure("a message was accepted from a frame the JSON reader refuses, or with no type")
    }
    switch message {
    case .auth: precondition(type == "auth", "auth read from \(type)")
    case .open(_, let event, let pow):
        precondition(type == "open" && pow.count == ProofOfWork.nonceCount, "open read wrongly")
        precondition((try? UnverifiedEvent(bytes: event.bytes)) == event, "an opened event does not round-trip")
    case .append(_, let event, _):
        precondition(type == "append", "append read from \(type)")
        precondition((try? UnverifiedEvent(bytes: event.bytes)) == event, "an appended event does not round-trip")
    case .subscribe: precondition(type == "subscribe", "subscribe read from \(type)")
    case .ping: precondition(type == "ping", "ping read from \(type)")
    case .records(_, _, let limit):
        precondition(type == "records" && (1...ClientMessage.maximumRecords).contains(limit), "records read wrongly")
    }
}

/// An event's layout, when read, re-encodes to exactly its bytes; a signed event is such a layout.
func checkEvent(_ bytes: [UInt8]) {
    if let event = try? Event(previouslyVerifiedBytes: bytes) {
        precondition(event.bytes == bytes, "an event's bytes do not re-encode exactly")
    }
    if let event = try? Event(bytes: bytes) {
        precondition(event.bytes == bytes, "a signed event's bytes do not re-encode exactly")
    }
}

/// `bytes` with their last 64 bytes replaced by the harness key's signature over the rest, when
/// the author field (bytes 48..<80) holds that key; otherwise nil.
func resigned(_ bytes: [UInt8]) -> [UInt8]? {
    guard bytes.count >= Event.headerCount + Signature.count,
          bytes[48..<80].elementsEqual(Harness.key.publicKey.bytes) else { return nil }
    let body = Array(bytes[0..<(bytes.count - Signature.count)])
    return body + Harness.key.sign(DomainSeparation.event.input(body)).bytes
}
