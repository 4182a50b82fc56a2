/// The JSON of the protocol's frames (docs/PROTOCOL.md, "Transport"): every frame is one object
/// whose fields are strings, whole numbers, booleans or null. This reader and writer cover exactly
/// that, strictly (RFC 8259), without building Foundation objects for every field.
public enum WireValue: Sendable, Equatable {
    case string(String)
    /// A number written as a whole number that fits in 64 bits without sign.
    case unsigned(UInt64)
    /// Any other number: negative, fractional, with an exponent, or too large.
    case otherNumber
    case bool(Bool)
    case null
    /// An array or object. No field of this version nests, so its contents are checked and skipped.
    case nested

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// Reads one frame into its top-level fields.
public enum WireJSON {
    /// Nesting deeper than this is refused: no message of this version nests at all.
    public static let maximumDepth = 4

    /// The top-level fields of `text`, which must be exactly one JSON object. A field named twice is refused.
    public static func parseObject(_ text: String) throws(ProtocolError) -> [String: WireValue] {
        var text = text
        let result: Result<[String: WireValue], ProtocolError> = text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            return Result { () throws(ProtocolError) in try reader.document() }
        }
        return try result.get()
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func document() throws(ProtocolError) -> [String: WireValue] {
            skipSpace()
            guard peek() == UInt8(ascii: "{") else { throw failure("a frame is one JSON object") }
            offset += 1
            var fields: [String: WireValue] = [:]
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                offset += 1
            } else {
                while true {
                    skipSpace()
                    guard peek() == UInt8(ascii: "\"") else { throw failure("a field name must be a string") }
                    let name = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    skipSpace()
                    let value = try value(depth: 1)
                    guard fields.updateValue(value, forKey: name) == nil else {
                        throw failure("field \(name.prefix(40)) appears twice")
                    }
                    skipSpace()
                    if peek() == UInt8(ascii: ",") { offset += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            skipSpace()
            guard offset == bytes.count else { throw failure("nothing may follow the object") }
            return fields
        }

        private mutating func value(depth: Int) throws(ProtocolError) -> WireValue {
            guard let byte = peek() else { throw failure("the frame ends inside the object") }
            switch byte {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < WireJSON.maximumDepth else { throw failure("JSON nested deeper than \(WireJSON.maximumDepth)") }
                try skipNested(depth: depth + 1)
                return .nested
            default: throw failure("not a JSON value")
            }
        }

        private mutating func skipNested(depth: Int) throws(ProtocolError) {
            let isObject = bytes[offset] == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            offset += 1
            skipSpace()
            if peek() == close { offset += 1; return }
            while true {
                skipSpace()
                if isObject {
                    guard peek() == UInt8(ascii: "\"") else { throw failure("a field name must be a string") }
                    _ = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    skipSpace()
                }
                _ = try value(depth: depth)
                skipSpace()
                if peek() == UInt8(ascii: ",") { offset += 1; continue }
                try expect(close)
                return
            }
        }

        private mutating func string() throws(ProtocolError) -> String {
            offset += 1  // the opening quote
            let start = offset
            // The common case, no escapes: one copy of the bytes.
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "\"") {
                    defer { offset += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw failure("a control character inside a string") }
                offset += 1
            }
            var utf8 = Array(bytes[start..<offset])
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek() else { break }
                    offset += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"): utf8 += try unicodeEscape()
                    default: throw failure("an unknown escape in a string")
                    }
                default:
                    guard byte >= 0x20 else { throw failure("a control character inside a string") }
                    utf8.append(byte)
                }
            }
            throw failure("a string is not closed")
        }

        /// After `\u`: four hex digits, or a surrogate pair written as two escapes.
        private mutating func unicodeEscape() throws(ProtocolError) -> [UInt8] {
            let first = try hex4()
            var scalar: UInt32 = first
            if (0xD800...0xDBFF).contains(first) {
                guard peek() == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone surrogate in a string")
                }
                offset += 2
                let second = try hex4()
                guard (0xDC00...0xDFFF).contains(second) else { throw failure("a lone surrogate in a string") }
                scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(first) {
                throw failure("a lone surrogate in a string")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("an invalid \\u escape") }
            return Array(String(Character(unicode)).utf8)
        }

        private mutating func hex4() throws(ProtocolError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw failure("a \\u escape needs four hex digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("a \\u escape needs four hex digits")
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }

        private mutating func number() throws(ProtocolError) -> WireValue {
            var negative = false
            if peek() == UInt8(ascii: "-") { negative = true; offset += 1 }
            guard let first = peek(), isDigit(first) else { throw failure("a number needs digits") }
            var value: UInt64? = 0
            if first == UInt8(ascii: "0") {
                offset += 1
            } else {
                while let byte = peek(), isDigit(byte) {
                    if let current = value {
                        let (times, overflow1) = current.multipliedReportingOverflow(by: 10)
                        let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                        value = overflow1 || overflow2 ? nil : sum
                    }
                    offset += 1
                }
            }
            var whole = true
            if peek() == UInt8(ascii: ".") {
                whole = false
                offset += 1
                guard let byte = peek(), isDigit(byte) else { throw failure("a fraction needs digits") }
                while let byte = peek(), isDigit(byte) { offset += 1 }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                whole = false
                offset += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
                guard let byte = peek(), isDigit(byte) else { throw failure("an exponent needs digits") }
                while let byte = peek(), isDigit(byte) { offset += 1 }
            }
            if whole, let value, !negative || value == 0 { return .unsigned(value) }
            return .otherNumber
        }

        private mutating func literal(_ word: StaticString) throws(ProtocolError) {
            let count = word.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw failure("not a JSON value") }
            for index in 0..<count where bytes[offset + index] != word.utf8Start[index] { throw failure("not a JSON value") }
            offset += count
        }

        private mutating func expect(_ byte: UInt8) throws(ProtocolError) {
            guard peek() == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
            offset += 1
        }

        private func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
        }

        private func failure(_ detail: String) -> ProtocolError {
            ProtocolError(.malformed, "a frame is one JSON object: \(detail) (at byte \(offset))")
        }
    }
}

/// Writes one frame's object, fields in the order given.
public struct WireJSONWriter: Sendable {
    private var utf8: [UInt8] = [UInt8(ascii: "{")]

    public init() {
        utf8.reserveCapacity(128)
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        appendString(value)
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return null(name) }
        field(name, value)
    }

    public mutating func field(_ name: StaticString, _ value: UInt64) {
        key(name)
        utf8 += value.description.utf8
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        utf8 += value.description.utf8
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        utf8 += (value ? "true" : "false").utf8
    }

    public mutating func null(_ name: StaticString) {
        key(name)
        utf8 += "null".utf8
    }

    /// The finished object.
    public var text: String {
        var finished = utf8
        finished.append(UInt8(ascii: "}"))
        return String(decoding: finished, as: UTF8.self)
    }

    private mutating func key(_ name: StaticString) {
        if utf8.count > 1 { utf8.append(UInt8(ascii: ",")) }
        utf8.append(UInt8(ascii: "\""))
        utf8.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        utf8 += "\":".utf8
    }

    private mutating func appendString(_ value: String) {
        utf8.append(UInt8(ascii: "\""))
        // Most strings of the protocol (base64url, names, ids) need no escape: copied in one go.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            utf8.append(contentsOf: value.utf8)
            utf8.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): utf8 += "\\\"".utf8
            case UInt8(ascii: "\\"): utf8 += "\\\\".utf8
            case 0x0A: utf8 += "\\n".utf8
            case 0x0D: utf8 += "\\r".utf8
            case 0x09: utf8 += "\\t".utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                utf8 += "\\u00".utf8
                utf8.append(hex[Int(byte >> 4)])
                utf8.append(hex[Int(byte & 0xF)])
            default: utf8.append(byte)
            }
        }
        utf8.append(UInt8(ascii: "\""))
    }
}
