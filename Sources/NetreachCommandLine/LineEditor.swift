#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A one-line editor for interactive commands: the user types at a prompt while other output
/// (a message arriving) is printed above the line being typed, which is then drawn again, so
/// nothing typed is lost or garbled. On a terminal it runs in raw mode and restores the terminal
/// when stopped; on a pipe it reads plain lines.
public final class LineEditor: Sendable {
    public enum Input: Sendable, Equatable {
        case line(String)
        /// Ctrl-D on an empty line, or the end of the input.
        case endOfInput
        /// Ctrl-C.
        case interrupt
    }

    private struct State: ~Copyable {
        var prompt: String
        var buffer: [UInt8] = []
        var saved: termios?
    }

    private let state: Mutex<State>
    public let isTerminal: Bool
    /// What the user typed, line by line.
    public let inputs: AsyncStream<Input>

    public init(prompt: String) {
        isTerminal = isatty(0) == 1
        var saved: termios?
        if isTerminal {
            var original = termios()
            if tcgetattr(0, &original) == 0 {
                saved = original
                var raw = original
                raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
                raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
                withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                    cc[Int(VMIN)] = 1
                    cc[Int(VTIME)] = 0
                }
                tcsetattr(0, TCSAFLUSH, &raw)
            }
        }
        state = Mutex(State(prompt: prompt, saved: saved))
        let (stream, continuation) = AsyncStream.makeStream(of: Input.self)
        inputs = stream
        let reader = Reader(editor: self, continuation: continuation)
        var thread = pthread_t()
        let box = Unmanaged.passRetained(reader).toOpaque()
        pthread_create(&thread, nil, { argument in
            let reader = Unmanaged<Reader>.fromOpaque(argument!).takeRetainedValue()
            reader.run()
            return nil
        }, box)
        pthread_detach(thread)
        redraw()
    }

    /// Puts the terminal back as it was.
    public func stop() {
        state.withLock { state in
            if var saved = state.saved {
                tcsetattr(0, TCSAFLUSH, &saved)
                state.saved = nil
            }
        }
        write("\r\n")
    }

    /// Prints `text` above the line being typed, then draws the prompt and the typed text again.
    public func printAbove(_ text: String) {
        state.withLock { state in
            var out = "\r\u{1B}[K" + text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n") + "\r\n" + state.prompt
            out += String(decoding: state.buffer, as: UTF8.self)
            Self.writeAll(out)
        }
    }

    public func setPrompt(_ prompt: String) {
        state.withLock { $0.prompt = prompt }
        redraw()
    }

    private func redraw() {
        state.withLock { state in Self.writeAll("\r\u{1B}[K" + state.prompt + String(decoding: state.buffer, as: UTF8.self)) }
    }

    private func write(_ text: String) { state.withLock { _ in Self.writeAll(text) } }

    private static func writeAll(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// One byte typed, in raw mode; returns a finished input when there is one.
    fileprivate func typed(_ byte: UInt8) -> Input? {
        state.withLock { state -> Input? in
            switch byte {
            case 0x0D, 0x0A:
                let line = String(decoding: state.buffer, as: UTF8.self)
                state.buffer.removeAll()
                Self.writeAll("\r\n" + state.prompt)
                return .line(line)
            case 0x7F, 0x08:
                // Remove one whole character (a UTF-8 lead byte and its continuation bytes).
                while let last = state.buffer.popLast(), last & 0xC0 == 0x80 {}
                Self.writeAll("\r\u{1B}[K" + state.prompt + String(decoding: state.buffer, as: UTF8.self))
                return nil
            case 0x03:
                return .interrupt
            case 0x04:
                return state.buffer.isEmpty ? .endOfInput : nil
            case 0x15:
                state.buffer.removeAll()
                Self.writeAll("\r\u{1B}[K" + state.prompt)
                return nil
            case 0x00..<0x20, 0x1B:
                return nil
            default:
                guard state.buffer.count < 16_384 else { return nil }
                state.buffer.append(byte)
                var echo = byte
                _ = Glibc.write(1, &echo, 1)
                return nil
            }
        }
    }

    /// The reading thread: bytes in, inputs out.
    private final class Reader: @unchecked Sendable {
        let editor: LineEditor
        let continuation: AsyncStream<Input>.Continuation

        init(editor: LineEditor, continuation: AsyncStream<Input>.Continuation) {
            self.editor = editor
            self.continuation = continuation
        }

        func run() {
            var byte: UInt8 = 0
            var line: [UInt8] = []
            var escape = 0
            while true {
                let n = read(0, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    if !line.isEmpty { continuation.yield(.line(String(decoding: line, as: UTF8.self))) }
                    continuation.yield(.endOfInput)
                    continuation.finish()
                    return
                }
                if !editor.isTerminal {
                    if byte == 0x0A {
                        continuation.yield(.line(String(decoding: line, as: UTF8.self)))
                        line.removeAll()
                    } else if byte != 0x0D {
                        line.append(byte)
                    }
                    continue
                }
                // Swallow escape sequences (arrow keys and the like): ESC [ … final byte.
                if escape > 0 {
                    escape = (escape == 1 && byte == UInt8(ascii: "[")) || (escape == 2 && byte < 0x40) ? 2 : 0
                    continue
                }
                if byte == 0x1B { escape = 1; continue }
                if let input = editor.typed(byte) {
                    continuation.yield(input)
                    if input == .endOfInput { continuation.finish(); return }
                }
            }
        }
    }
}
