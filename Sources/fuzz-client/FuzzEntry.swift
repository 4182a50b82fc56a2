// libFuzzer harness for the staff client's reader of relay messages (docs/RELIABILITY.md, "Fuzzing"; build and run
// with ops/fuzz): `ServerMessage.parse`, which every frame from a relay goes through before the client acts on it.
// A hostile relay, or anyone in the middle of a plain ws:// connection, chooses these bytes.
// A plain `swift build` compiles this file into an executable that does nothing.
import NetreachCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClient(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkServerMessage(text)
    return 0
}

/// The client's reading of a relay frame: the same twice, never a trap; an accepted message has its
/// type in `t`, is written back by the relay's own writer into text that reads as the same message,
/// and holds only values within the protocol's bounds.
func checkServerMessage(_ text: String) {
    let first = Result { () throws(ProtocolError) in try ServerMessage.parse(text) }
    let second = Result { () throws(ProtocolError) in try ServerMessage.parse(text) }
    precondition(first == second, "the same relay frame parses differently")
    guard case .success(let message) = first else { return }
    precondition(text.utf8.count <= ServerMessage.maximumFrameCount, "an oversize frame was read")
    guard case .string(let type)? = (try? WireJSON.parseObject(text))?["t"], type == message.type else {
        preconditionFailure("a message was read with a type other than its t field")
    }
    precondition(message.rid.map { $0.count <= 64 } ?? true, "a rid longer than 64 characters was accepted")
    switch message {
    case .hello(let challenge, _, let bits):
        precondition(challenge.count == ServerMessage.challengeCount && (0...ProofOfWork.maximumBits).contains(bits),
                     "a hello outside the protocol's bounds was accepted")
    case .record(_, let record, let included):
        precondition(!included || record.isRedacted || record.payload.count == record.payloadLength,
                     "a record whose payload is not its stated length was accepted")
    default:
        break
    }
    let again = Result { () throws(ProtocolError) in try ServerMessage.parse(message.text) }
    precondition(again == .success(message), "a relay message does not round-trip through its text")
}
