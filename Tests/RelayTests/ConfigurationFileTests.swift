import Foundation
import NetreachRelay
import Testing

/// The relay's configuration file (docs/OPERATIONS.md, "The configuration file"): good input and
/// every kind of bad input side by side.
@Suite struct ConfigurationFileTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let example = repository + "/ops/deploy/relay.conf.example"

    static func parse(_ text: String) throws(ConfigurationFileError) -> ConfigurationFile {
        try ConfigurationFile(text: text, path: "relay.conf", schema: ServeOptions.schema)
    }

    @Test("a file with comments, blank lines, words and quoted strings is read with each value's line")
    func goodFile() throws {
        let file = try Self.parse("""
            # a comment

            data-dir = /var/lib/netreach/log   # a comment after a value
              port=8443
            create-relay-key = true
            keys = "/etc/net reach/Keys # not a comment"
            relay-key = "a \\"quoted\\" name \\\\ here" # comment
            log-level = debug\r
            """)
        #expect(file.entries["data-dir"] == .init(value: .string("/var/lib/netreach/log"), line: 3))
        #expect(file.entries["port"] == .init(value: .integer(8443), line: 4))
        #expect(file.entries["create-relay-key"] == .init(value: .boolean(true), line: 5))
        #expect(file.entries["keys"] == .init(value: .string("/etc/net reach/Keys # not a comment"), line: 6))
        #expect(file.entries["relay-key"] == .init(value: .string("a \"quoted\" name \\ here"), line: 7))
        #expect(file.entries["log-level"] == .init(value: .string("debug"), line: 8))
        #expect(file.entries.count == 6)
    }

    @Test("an empty file, or one of comments only, sets nothing")
    func emptyFile() throws {
        #expect(try Self.parse("").entries.isEmpty)
        #expect(try Self.parse("# nothing\n\n   # here\n").entries.isEmpty)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let code: ConfigurationFileError.Code
        let line: Int
        let key: String?
        let says: String
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "unknown key", text: "port = 80\nprot = 8080", code: .unknownKey, line: 2, key: "prot", says: "unknown key"),
        Bad(name: "bad number", text: "\nport = 80a", code: .badValue, line: 2, key: "port", says: "not a whole number"),
        Bad(name: "quoted number", text: "port = \"80\"", code: .badValue, line: 1, key: "port", says: "not a whole number"),
        Bad(name: "number out of range", text: "pow-bits = 25", code: .badValue, line: 1, key: "pow-bits", says: "outside 0…24"),
        Bad(name: "negative port", text: "port = -1", code: .badValue, line: 1, key: "port", says: "outside 0…65535"),
        Bad(name: "bad bool", text: "create-relay-key = yes", code: .badValue, line: 1, key: "create-relay-key", says: "not true or false"),
        Bad(name: "unknown log level", text: "log-level = loud", code: .badValue, line: 1, key: "log-level", says: "not one of"),
        Bad(name: "missing '='", text: "# fine\nport 8080", code: .syntax, line: 2, key: nil, says: "no '='"),
        Bad(name: "duplicate key", text: "port = 1\nhost = ::1\nport = 2", code: .duplicateKey, line: 3, key: "port", says: "first on line 1"),
        Bad(name: "empty value", text: "host =   # nothing", code: .badValue, line: 1, key: "host", says: "no value"),
        Bad(name: "empty quoted value", text: "host = \"\"", code: .badValue, line: 1, key: "host", says: "empty"),
        Bad(name: "unterminated quote", text: "keys = \"/etc/netreach", code: .badValue, line: 1, key: "keys", says: "closing quote"),
        Bad(name: "text after a quote", text: "keys = \"/etc\" x", code: .badValue, line: 1, key: "keys", says: "after the closing quote"),
        Bad(name: "unknown escape", text: "keys = \"a\\nb\"", code: .badValue, line: 1, key: "keys", says: "escapes"),
        Bad(name: "upper-case key", text: "Port = 1", code: .syntax, line: 1, key: "Port", says: "lower-case"),
        Bad(name: "no key", text: " = 1", code: .syntax, line: 1, key: nil, says: "lower-case"),
    ]

    @Test("bad input is refused with the file, line and key", arguments: bad)
    func badInput(_ bad: Bad) {
        #expect {
            try Self.parse(bad.text)
        } throws: { error in
            guard let error = error as? ConfigurationFileError else { return false }
            return error.code == bad.code && error.line == bad.line && error.key == bad.key && error.file == "relay.conf"
                && error.message.contains(bad.says)
                && "\(error)".hasPrefix("relay.conf:\(bad.line): " + (bad.key.map { $0 + ": " } ?? ""))
        }
    }

    @Test("a path that does not exist is refused as not found, naming it")
    func missingFile() {
        let path = NSTemporaryDirectory() + "netreach-no-such-" + UUID().uuidString + ".conf"
        #expect {
            try ConfigurationFile.load(path: path, schema: ServeOptions.schema)
        } throws: { error in
            (error as? ConfigurationFileError)?.code == .notFound && "\(error)".hasPrefix(path + ": ")
        }
    }

    @Test("a file that cannot be read (a directory, or not UTF-8) is refused as unreadable, naming it")
    func unreadableFile() throws {
        let folder = NSTemporaryDirectory() + "netreach-conf-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect {
            try ConfigurationFile.load(path: folder, schema: ServeOptions.schema)
        } throws: { error in
            (error as? ConfigurationFileError)?.code == .unreadable && "\(error)".hasPrefix(folder + ": ")
        }
        let binary = folder + "/relay.conf"
        try Data([0x70, 0x6f, 0x72, 0x74, 0xff, 0xfe]).write(to: URL(fileURLWithPath: binary))
        #expect {
            try ConfigurationFile.load(path: binary, schema: ServeOptions.schema)
        } throws: { error in
            (error as? ConfigurationFileError)?.code == .unreadable && "\(error)".contains("UTF-8")
        }
        // A file without read permission is refused the same way; root reads anything, so only a
        // test run as another user can see it.
        if geteuid() != 0 {
            let locked = folder + "/locked.conf"
            try Data("port = 1\n".utf8).write(to: URL(fileURLWithPath: locked))
            chmod(locked, 0)
            #expect {
                try ConfigurationFile.load(path: locked, schema: ServeOptions.schema)
            } throws: { error in
                (error as? ConfigurationFileError)?.code == .unreadable
            }
        }
    }

    @Test("the committed example configuration parses and documents every key serve takes")
    func exampleCoversEveryKey() throws {
        let file = try ConfigurationFile.load(path: Self.example, schema: ServeOptions.schema)
        #expect(file.entries["data-dir"]?.value == .string("/var/lib/netreach/log"))
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
        let documented = Set(text.split(separator: "\n").compactMap { line -> String? in
            // A key is documented when it is set, or shown set in a comment: `key = …` or `# key = …`.
            var line = Substring(line)
            if line.hasPrefix("# ") { line = line.dropFirst(2) }
            guard let equals = line.firstIndex(of: "=") else { return nil }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            return ServeOptions.Key(rawValue: key) != nil ? key : nil
        })
        #expect(documented == Set(ServeOptions.Key.allCases.map(\.rawValue)))
    }

    @Test("flags override the file's values; what neither gives takes the default")
    func flagsOverrideFile() throws {
        let file = try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\nport = 9000\npow-bits = 8\nhost = 127.0.0.2")
        var flags = ServeOptions()
        flags.set(.port, .integer(9001), from: .flag)
        flags.set(.dataDir, nil, from: .flag)
        let merged = ServeOptions(file: file).overridden(by: flags)
        #expect(merged.integer(.port) == 9001 && merged.origins[.port] == .flag)
        #expect(merged.integer(.powBits) == 8 && merged.origins[.powBits] == .file(path: "relay.conf", line: 5))
        #expect(merged.string(.dataDir) == "/d")
        let settings = try merged.resolved(environment: ["NETREACH_RELAY_PASSPHRASE": "x"])
        #expect(settings.relay.port == 9001 && settings.relay.host == "127.0.0.2" && settings.powBits == 8)
        #expect(settings.opensPerAddressPerHour == ServeOptions.defaultOpensPerAddressPerHour)
        #expect(settings.logLevel == ServeOptions.defaultLogLevel && settings.createRelayKey == false)
    }

    @Test("a required setting given nowhere is refused, naming the key")
    func missingRequired() throws {
        let options = ServeOptions(file: try Self.parse("keys = /k\nrelay-key = /r"))
        #expect {
            try options.resolved(environment: ["NETREACH_RELAY_PASSPHRASE": "x"])
        } throws: { error in
            (error as? ServeOptionsError)?.code == .missing && (error as? ServeOptionsError)?.key == .dataDir
        }
        let noPassphrase = ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r"))
        #expect {
            try noPassphrase.resolved(environment: [:])
        } throws: { error in
            (error as? ServeOptionsError)?.key == .passphraseFile && "\(error)".contains("NETREACH_RELAY_PASSPHRASE")
        }
    }

    @Test("behind-proxy turns the per-address opens limit off, also when the file gives it as 0")
    func behindProxy() throws {
        let environment = ["NETREACH_RELAY_PASSPHRASE": "x"]
        let on = try ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\nbehind-proxy = true")).resolved(environment: environment)
        #expect(on.behindProxy && on.opensPerAddressPerHour == 0)
        let zero = try ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\nbehind-proxy = true\nopens-per-address-per-hour = 0"))
            .resolved(environment: environment)
        #expect(zero.behindProxy && zero.opensPerAddressPerHour == 0)
        let off = try ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\nbehind-proxy = false")).resolved(environment: environment)
        #expect(!off.behindProxy && off.opensPerAddressPerHour == ServeOptions.defaultOpensPerAddressPerHour)
    }

    @Test("behind-proxy with a non-zero per-address limit is refused, naming the limit's line")
    func behindProxyContradiction() throws {
        let both = ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\nbehind-proxy = true\nopens-per-address-per-hour = 30"))
        #expect {
            try both.resolved(environment: ["NETREACH_RELAY_PASSPHRASE": "x"])
        } throws: { error in
            (error as? ServeOptionsError)?.code == .badValue
                && "\(error)".hasPrefix("relay.conf:5: opens-per-address-per-hour: is 30, but behind-proxy is on")
        }
    }

    @Test("settings that contradict or name missing files are refused with the file's line")
    func contradictions() throws {
        let halfTLS = ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\ntls-cert = /c.pem"))
        #expect {
            try halfTLS.resolved(environment: ["NETREACH_RELAY_PASSPHRASE": "x"])
        } throws: { error in
            "\(error)" == "relay.conf:4: tls-cert: tls-cert and tls-key go together"
        }
        let noWebConfig = ServeOptions(file: try Self.parse("data-dir = /d\nkeys = /k\nrelay-key = /r\nweb-config = /no/such.json"))
        #expect {
            try noWebConfig.resolved(environment: ["NETREACH_RELAY_PASSPHRASE": "x"])
        } throws: { error in
            (error as? ServeOptionsError)?.code == .unreadable && "\(error)".hasPrefix("relay.conf:4: web-config: ")
        }
    }
}
