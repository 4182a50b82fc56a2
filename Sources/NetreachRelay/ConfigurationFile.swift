import Foundation

/// A `key = value` configuration file (docs/OPERATIONS.md, "The configuration file"), read against a
/// schema of known keys: every value is checked for its kind when the file is read, so a file with
/// one bad line is refused whole, naming the file, the line and the key.
///
/// The format is a small subset of TOML: one `key = value` per line; blank lines and lines starting
/// with `#` are ignored, as is a `#` comment after a value; a value is a word (`8080`, `true`,
/// `/var/lib/netreach/log`) or a string in double quotes (`"a path with spaces # and a hash"`,
/// with `\"` and `\\` as the only escapes). Keys appear at most once.
public struct ConfigurationFile: Sendable, Hashable {
    /// What a key's value must be.
    public enum Kind: Sendable, Hashable {
        case string
        case integer(ClosedRange<Int>)
        case boolean
        /// One of a fixed set of words.
        case choice([String])
    }

    /// A value that matched its key's kind.
    public enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
    }

    public struct Entry: Sendable, Hashable {
        public let value: Value
        /// 1-based line of the file the value is on.
        public let line: Int

        public init(value: Value, line: Int) {
            self.value = value
            self.line = line
        }
    }

    /// The file's path as given (used in every message).
    public let path: String
    public let entries: [String: Entry]

    /// Reads and checks the file at `path`.
    public static func load(path: String, schema: [String: Kind]) throws(ConfigurationFileError) -> ConfigurationFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationFileError(code: .notFound, file: path, message: "the configuration file does not exist")
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationFileError(code: .unreadable, file: path, message: "the configuration file is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationFileError(code: .unreadable, file: path,
                                         message: "the configuration file cannot be read (permissions?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationFileError(code: .unreadable, file: path, message: "the configuration file is not UTF-8 text")
        }
        return try ConfigurationFile(text: text, path: path, schema: schema)
    }

    /// Parses `text` as the contents of the file `path`.
    public init(text: String, path: String, schema: [String: Kind]) throws(ConfigurationFileError) {
        var entries: [String: Entry] = [:]
        // Split on "\n" only, so that the line numbers are what an editor shows; a "\r" before it is dropped.
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationFileError(code: .syntax, file: path, line: number,
                                             message: "expected `key = value`, found no '='")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw ConfigurationFileError(code: .syntax, file: path, line: number, key: key.isEmpty ? nil : key,
                                             message: "a key is lower-case letters, digits and '-'")
            }
            guard let kind = schema[key] else {
                throw ConfigurationFileError(code: .unknownKey, file: path, line: number, key: key,
                                             message: "unknown key; the keys are: " + schema.keys.sorted().joined(separator: ", "))
            }
            if let earlier = entries[key] {
                throw ConfigurationFileError(code: .duplicateKey, file: path, line: number, key: key,
                                             message: "given twice (first on line \(earlier.line))")
            }
            let word = try Self.word(line[line.index(after: equals)...], file: path, line: number, key: key)
            entries[key] = Entry(value: try Self.value(word, kind: kind, file: path, line: number, key: key), line: number)
        }
        self.path = path
        self.entries = entries
    }

    /// The text of a value: a quoted string unquoted, or a bare word up to a `#` comment.
    private static func word(_ rest: Substring, file: String, line: Int, key: String) throws(ConfigurationFileError) -> Word {
        let rest = rest.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "\"" else {
            let bare = (rest.firstIndex(of: "#").map { rest[..<$0] } ?? rest).trimmingCharacters(in: .whitespaces)
            guard !bare.isEmpty else {
                throw ConfigurationFileError(code: .badValue, file: file, line: line, key: key, message: "no value after '='")
            }
            guard !bare.contains("\"") else {
                throw ConfigurationFileError(code: .badValue, file: file, line: line, key: key,
                                             message: "a quote inside a bare value; put the whole value in double quotes")
            }
            return Word(text: bare, quoted: false)
        }
        var text = ""
        var index = rest.index(after: rest.startIndex)
        while index < rest.endIndex {
            let character = rest[index]
            if character == "\"" {
                let after = rest[rest.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard after.isEmpty || after.hasPrefix("#") else {
                    throw ConfigurationFileError(code: .badValue, file: file, line: line, key: key,
                                                 message: "text after the closing quote")
                }
                return Word(text: text, quoted: true)
            }
            if character == "\\" {
                let next = rest.index(after: index)
                guard next < rest.endIndex, rest[next] == "\"" || rest[next] == "\\" else {
                    throw ConfigurationFileError(code: .badValue, file: file, line: line, key: key,
                                                 message: "the only escapes in a quoted value are \\\" and \\\\")
                }
                text.append(rest[next])
                index = rest.index(after: next)
                continue
            }
            text.append(character)
            index = rest.index(after: index)
        }
        throw ConfigurationFileError(code: .badValue, file: file, line: line, key: key, message: "the closing quote is missing")
    }

    private struct Word {
        let text: String
        let quoted: Bool
    }

    private static func value(_ word: Word, kind: Kind, file: String, line: Int, key: String) throws(ConfigurationFileError) -> Value {
        func bad(_ message: String) -> ConfigurationFileError {
            ConfigurationFileError(code: .badValue, file: file, line: line, key: key, message: message)
        }
        switch kind {
        case .string:
            guard !word.text.isEmpty else { throw bad("the value is empty") }
            return .string(word.text)
        case .integer(let range):
            guard !word.quoted, let number = Int(word.text) else { throw bad("\"\(word.text)\" is not a whole number") }
            guard range.contains(number) else { throw bad("\(number) is outside \(range.lowerBound)…\(range.upperBound)") }
            return .integer(number)
        case .boolean:
            switch (word.quoted, word.text) {
            case (false, "true"): return .boolean(true)
            case (false, "false"): return .boolean(false)
            default: throw bad("\"\(word.text)\" is not true or false")
            }
        case .choice(let words):
            guard words.contains(word.text) else {
                throw bad("\"\(word.text)\" is not one of " + words.joined(separator: ", "))
            }
            return .string(word.text)
        }
    }
}

/// Why a configuration file was refused: the file, and where known the line and key.
public struct ConfigurationFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The path names nothing.
        case notFound
        /// A directory, no permission, or not UTF-8.
        case unreadable
        /// A line that is not `key = value`.
        case syntax
        case unknownKey
        case duplicateKey
        /// A value of the wrong kind or outside its range.
        case badValue
    }

    public let code: Code
    public let file: String
    public let line: Int?
    public let key: String?
    public let message: String

    public init(code: Code, file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `FILE:LINE: KEY: message`, the form editors and compilers use.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let key { text += ": \(key)" }
        return text + ": " + message
    }
}
