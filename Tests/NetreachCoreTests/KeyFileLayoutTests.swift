import NetreachCore
import Testing

/// One way to break the text layout of a key file, and the refusal it must get.
struct LayoutCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let edit: @Sendable (String) -> [UInt8]
    let code: KeyError.Code
    let line: Int?

    init(_ description: String, _ code: KeyError.Code, line: Int?, _ edit: @escaping @Sendable (String) -> String) {
        testDescription = description
        self.edit = { Array(edit($0).utf8) }
        self.code = code
        self.line = line
    }

    init(_ description: String, _ code: KeyError.Code, line: Int?, bytes edit: @escaping @Sendable (String) -> [UInt8]) {
        testDescription = description
        self.edit = edit
        self.code = code
        self.line = line
    }
}

@Suite("The strict text layout of key files")
struct KeyFileLayoutTests {
    /// A valid staff public key file: four lines, no signature, so layout errors are the only ones.
    static let valid = text(TestKeys.staff("alice", seed: 3).fileBytes)

    static let cases: [LayoutCase] = [
        LayoutCase("a trailing space", .malformedText, line: 2) { $0.replacingOccurrences(of: "name: alice\n", with: "name: alice \n") },
        LayoutCase("two spaces after the colon", .malformedText, line: 2) { $0.replacingOccurrences(of: "name: ", with: "name:  ") },
        LayoutCase("no space after the colon", .malformedText, line: 2) { $0.replacingOccurrences(of: "name: ", with: "name:") },
        LayoutCase("a space before the colon", .unexpectedField, line: 2) { $0.replacingOccurrences(of: "name: ", with: "name : ") },
        LayoutCase("a leading space", .malformedText, line: 2) { $0.replacingOccurrences(of: "name: ", with: " name: ") },
        LayoutCase("CRLF line ends", .malformedText, line: 1) { $0.replacingOccurrences(of: "\n", with: "\r\n") },
        LayoutCase("a CR at the end of one line", .malformedText, line: 3) {
            $0.replacingOccurrences(of: "\nbox: ", with: "\r\nbox: ")
        },
        LayoutCase("a tab after the colon", .malformedText, line: 2) { $0.replacingOccurrences(of: "name: ", with: "name:\t") },
        LayoutCase("an escape character", .malformedText, line: 2) { $0.replacingOccurrences(of: "alice", with: "al\u{1B}ice") },
        LayoutCase("a NUL byte", .malformedText, line: 2) { $0.replacingOccurrences(of: "alice", with: "al\u{0}ice") },
        LayoutCase("a DEL character", .malformedText, line: 2) { $0.replacingOccurrences(of: "alice", with: "al\u{7F}ice") },
        LayoutCase("a blank line", .malformedText, line: 3) { $0.replacingOccurrences(of: "\nsign: ", with: "\n\nsign: ") },
        LayoutCase("a blank line at the end", .malformedText, line: 5) { $0 + "\n" },
        LayoutCase("no LF after the last line", .malformedText, line: 4) { String($0.dropLast()) },
        LayoutCase("a missing last line", .missingField, line: 4) { text in
            text.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n"
        },
        LayoutCase("a missing line in the middle", .unexpectedField, line: 3) { text in
            let lines = text.split(separator: "\n")
            return ([lines[0], lines[1], lines[3]].joined(separator: "\n")) + "\n"
        },
        LayoutCase("two lines swapped", .unexpectedField, line: 3) { text in
            let lines = text.split(separator: "\n")
            return ([lines[0], lines[1], lines[3], lines[2]].joined(separator: "\n")) + "\n"
        },
        LayoutCase("a line repeated", .unexpectedField, line: 3) { text in
            let lines = text.split(separator: "\n")
            return ([lines[0], lines[1], lines[1], lines[2], lines[3]].joined(separator: "\n")) + "\n"
        },
        LayoutCase("an extra line at the end", .unexpectedField, line: 5) { $0 + "comment: hello\n" },
        LayoutCase("a field name in upper case", .unexpectedField, line: 2) { $0.replacingOccurrences(of: "name: ", with: "Name: ") },
        LayoutCase("an unknown version", .unknownFormat, line: 1) {
            $0.replacingOccurrences(of: "netreach-staff-public-key-v1", with: "netreach-staff-public-key-v2")
        },
        LayoutCase("another format's magic", .unknownFormat, line: 1) {
            $0.replacingOccurrences(of: "netreach-staff-public-key-v1", with: "netreach-org-public-key-v1")
        },
        LayoutCase("a byte order mark", .unknownFormat, line: 1) { "\u{FEFF}" + $0 },
        LayoutCase("an empty file", .malformedText, line: 1) { _ in "" },
        LayoutCase("only the magic line", .missingField, line: 2) { _ in "netreach-staff-public-key-v1\n" },
        LayoutCase("bytes that are not UTF-8", .malformedText, line: 2, bytes: { text in
            Array(text.replacingOccurrences(of: "alice", with: "al\u{1}ce").utf8).map { $0 == 0x01 ? 0xFF : $0 }
        }),
        LayoutCase("4 097 bytes", .fileTooLarge, line: nil) { $0 + String(repeating: "x", count: 4097 - $0.utf8.count) },
    ]

    @Test("a layout that differs from the document is refused with its line", arguments: cases)
    func refused(_ layout: LayoutCase) {
        let bytes = layout.edit(Self.valid)
        let error = #expect(throws: KeyError.self) { try StaffPublicKey(parsing: bytes, fileName: "alice.pub") }
        #expect(error?.code == layout.code, "\(error?.description ?? "no error")")
        #expect(error?.line == layout.line, "\(error?.description ?? "no error")")
        #expect(error?.file == "alice.pub")
    }

    @Test("the unchanged file is accepted")
    func accepted() throws {
        let key = try StaffPublicKey(parsing: Array(Self.valid.utf8))
        #expect(key == TestKeys.staff("alice", seed: 3))
    }

    @Test("a file of exactly 4 096 bytes is parsed, not refused for its size")
    func sizeLimitIsInclusive() {
        let padded = Self.valid + String(repeating: "x", count: 4095 - Self.valid.utf8.count) + "\n"
        #expect(padded.utf8.count == 4096)
        let error = #expect(throws: KeyError.self) { try StaffPublicKey(parsing: Array(padded.utf8)) }
        #expect(error?.code == .unexpectedField)
        #expect(error?.line == 5)
    }

    @Test("an error names the file and the line in its description")
    func description() {
        let error = KeyError(code: .invalidValue, "a role is 'worker' or 'supervisor'", file: "staff/alice.cert", line: 3)
        #expect(error.description == "invalidValue: a role is 'worker' or 'supervisor' (staff/alice.cert, line 3)")
    }
}
