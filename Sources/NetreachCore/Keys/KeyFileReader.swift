/// The strict reader of the text layout every key file shares (docs/KEYS.md, "Encodings used below"):
/// a magic line, then `field: value` lines in the order the format fixes, LF only, the last line
/// too; no CR, tab or other control character, no blank line, no leading or trailing space; at
/// most 4 096 bytes. Nothing is repaired: the first difference is an error naming its line.
struct KeyFileReader {
    /// The largest key file; a longer one is refused before it is parsed.
    static let maximumSize = 4096

    /// The file's bytes, exactly as read: signatures and header hashes cover these, never a re-encoding.
    let bytes: [UInt8]
    /// Every line without its LF, and the offset just past that LF.
    private let lines: [(text: String, end: Int)]
    /// The index in `lines` of the next field to read; line 0 is the magic string.
    private var nextIndex = 1

    init(_ bytes: [UInt8], magic: String) throws(KeyError) {
        guard bytes.count <= KeyFileReader.maximumSize else {
            throw KeyError(code: .fileTooLarge,
                           "a key file is at most \(KeyFileReader.maximumSize) bytes, this one has \(bytes.count)")
        }
        guard !bytes.isEmpty else { throw KeyError(code: .malformedText, "the file is empty", line: 1) }
        var lines: [(text: String, end: Int)] = []
        var start = 0
        while start < bytes.count {
            let number = lines.count + 1
            guard let lf = bytes[start...].firstIndex(of: 0x0A) else {
                throw KeyError(code: .malformedText, "the last line does not end in LF", line: number)
            }
            let text = try KeyFileReader.checkedLine(bytes[start..<lf], number: number)
            lines.append((text, lf + 1))
            start = lf + 1
        }
        let first = lines[0].text
        guard first == magic else {
            throw KeyError(code: .unknownFormat, "the first line must be '\(magic)', found '\(shortened(first))'",
                           line: 1)
        }
        self.bytes = bytes
        self.lines = lines
    }

    /// Reads the next line, which must be `field: value`.
    mutating func read(_ field: String) throws(KeyError) -> KeyFileLine {
        let number = nextIndex + 1
        guard nextIndex < lines.count else {
            throw KeyError(code: .missingField, "the file ends where the field '\(field)' must be", line: number)
        }
        let (text, end) = lines[nextIndex]
        let prefix = field + ": "
        guard text.hasPrefix(prefix) else {
            if text.hasPrefix(field + ":") {
                throw KeyError(code: .malformedText, "'\(field):' must be followed by exactly one space", line: number)
            }
            let found = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
            throw KeyError(code: .unexpectedField, "expected the field '\(field)', found '\(shortened(found))'",
                           line: number)
        }
        let value = String(text.dropFirst(prefix.count))
        guard value.first != " " else {
            throw KeyError(code: .malformedText, "'\(field):' must be followed by exactly one space", line: number)
        }
        nextIndex += 1
        return KeyFileLine(field: field, value: value, number: number, end: end)
    }

    /// Reads the next line if it is `field: …`; nil, with nothing consumed, if the next line is
    /// another field or the file ends. For the optional fields a format allows at one place.
    mutating func readIfPresent(_ field: String) throws(KeyError) -> KeyFileLine? {
        guard nextIndex < lines.count, lines[nextIndex].text.hasPrefix(field + ":") else { return nil }
        return try read(field)
    }

    /// Checks that every line has been read.
    func finish() throws(KeyError) {
        guard nextIndex == lines.count else {
            let extra = lines[nextIndex].text
            throw KeyError(code: .unexpectedField, "unexpected line after the last field: '\(shortened(extra))'",
                           line: nextIndex + 1)
        }
    }

    /// The bytes of the file up to and including the LF that ends `line`: what a signature covers.
    func bytes(through line: KeyFileLine) -> ArraySlice<UInt8> {
        bytes[..<line.end]
    }

    private static func checkedLine(_ raw: ArraySlice<UInt8>, number: Int) throws(KeyError) -> String {
        guard let first = raw.first, let last = raw.last else {
            throw KeyError(code: .malformedText, "blank line", line: number)
        }
        if let control = raw.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            let what: String
            switch control {
            case 0x0D: what = "a carriage return (CR); lines end in LF only"
            case 0x09: what = "a tab"
            default: what = "the control character 0x\(String(control, radix: 16))"
            }
            throw KeyError(code: .malformedText, "the line contains \(what)", line: number)
        }
        guard first != 0x20 else { throw KeyError(code: .malformedText, "the line starts with a space", line: number) }
        guard last != 0x20 else { throw KeyError(code: .malformedText, "the line ends with a space", line: number) }
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw KeyError(code: .malformedText, "the line is not valid UTF-8", line: number)
        }
        return text
    }
}

/// At most 40 characters of `text`, for quoting a bad line in a message without flooding it.
func shortened(_ text: String) -> String {
    text.count <= 40 ? text : String(text.prefix(40)) + "…"
}
