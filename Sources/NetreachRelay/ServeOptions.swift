import Foundation
public import Logging
import NetreachCore

/// What `netreach-relay serve` is given, from its flags, a configuration file, or both (flags win).
/// The one table of keys (`Key`) names the flags' long names and the file's keys alike, so the two
/// cannot drift apart (a test compares it with the command's own argument definitions).
public struct ServeOptions: Sendable, Hashable {
    /// Every setting `serve` takes: the configuration file's key is the flag's long name.
    public enum Key: String, CaseIterable, Sendable, Hashable {
        case dataDir = "data-dir"
        case store
        case storePasswordFile = "store-password-file"
        case keys
        case relayKey = "relay-key"
        case passphraseFile = "passphrase-file"
        case createRelayKey = "create-relay-key"
        case host
        case port
        case tlsCert = "tls-cert"
        case tlsKey = "tls-key"
        case powBits = "pow-bits"
        case opensPerAddressPerHour = "opens-per-address-per-hour"
        case behindProxy = "behind-proxy"
        case requestHeadTimeout = "request-head-timeout"
        case logLevel = "log-level"
        case webDir = "web-dir"
        case webConfig = "web-config"
        case referrals

        /// What the value must be, for a flag and a file alike.
        public var kind: ConfigurationFile.Kind {
            switch self {
            case .createRelayKey, .behindProxy: .boolean
            case .port: .integer(0...65_535)
            case .powBits: .integer(0...ProofOfWork.maximumBits)
            case .opensPerAddressPerHour: .integer(0...1_000_000)
            case .requestHeadTimeout: .integer(1...300)
            case .logLevel: .choice(Logger.Level.allCases.map(\.rawValue))
            default: .string
            }
        }
    }

    /// Where a value came from, for messages.
    public enum Origin: Sendable, Hashable, CustomStringConvertible {
        case flag
        case file(path: String, line: Int)

        public var description: String {
            switch self {
            case .flag: "the command line"
            case .file(let path, let line): "\(path):\(line)"
            }
        }
    }

    /// The configuration file's schema: every key and its kind.
    public static let schema: [String: ConfigurationFile.Kind] = Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.rawValue, $0.kind) })

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultPowBits = 16
    public static let defaultOpensPerAddressPerHour = 30
    public static let defaultRequestHeadTimeout = 10
    public static let defaultLogLevel = Logger.Level.info

    public private(set) var values: [Key: ConfigurationFile.Value] = [:]
    public private(set) var origins: [Key: Origin] = [:]

    public init() {}

    /// The values of a configuration file read with `schema`.
    public init(file: ConfigurationFile) {
        for (name, entry) in file.entries {
            guard let key = Key(rawValue: name) else { continue }  // cannot happen: the file was read with `schema`
            values[key] = entry.value
            origins[key] = .file(path: file.path, line: entry.line)
        }
    }

    /// Sets `key` to `value` from `origin`; nil leaves it as it was (a flag that was not given).
    public mutating func set(_ key: Key, _ value: ConfigurationFile.Value?, from origin: Origin) {
        guard let value else { return }
        values[key] = value
        origins[key] = origin
    }

    /// These options with every value `other` has put over them.
    public func overridden(by other: ServeOptions) -> ServeOptions {
        var merged = self
        for (key, value) in other.values { merged.set(key, value, from: other.origins[key] ?? .flag) }
        return merged
    }

    public func string(_ key: Key) -> String? {
        if case .string(let text) = values[key] { return text }
        return nil
    }

    public func integer(_ key: Key) -> Int? {
        if case .integer(let number) = values[key] { return number }
        return nil
    }

    public func boolean(_ key: Key) -> Bool? {
        if case .boolean(let flag) = values[key] { return flag }
        return nil
    }

    /// Why a value given on the command line does not fit its key's kind, or nil when it does.
    public static func problem(with value: ConfigurationFile.Value, for key: Key) -> String? {
        switch (key.kind, value) {
        case (.integer(let range), .integer(let number)):
            range.contains(number) ? nil : "--\(key.rawValue) must be \(range.lowerBound)…\(range.upperBound)"
        case (.choice(let words), .string(let word)):
            words.contains(word) ? nil : "--\(key.rawValue) must be one of " + words.joined(separator: ", ")
        case (.string, .string(let text)):
            text.isEmpty ? "--\(key.rawValue) is empty" : nil
        case (.boolean, .boolean):
            nil
        default:
            "--\(key.rawValue) has a value of the wrong kind"
        }
    }
}

/// Why `serve` (or `check-config`) refused its options: which option, from where, and why.
public struct ServeOptionsError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A required setting is given neither as a flag nor in the file.
        case missing
        /// A value that does not fit its key, or that contradicts another.
        case badValue
        /// A file or folder the setting names is missing or cannot be read.
        case unreadable
        /// The key ceremony has not been done: a key file the relay needs does not exist yet.
        case keysMissing
    }

    public let code: Code
    public let key: ServeOptions.Key?
    public let origin: ServeOptions.Origin?
    public let message: String

    public init(code: Code, key: ServeOptions.Key? = nil, origin: ServeOptions.Origin? = nil, message: String) {
        self.code = code
        self.key = key
        self.origin = origin
        self.message = message
    }

    /// `FILE:LINE: KEY: message` for a value from a file, `--KEY: message` for a flag.
    public var description: String {
        switch (origin, key) {
        case (.file(let path, let line)?, let key?): "\(path):\(line): \(key.rawValue): \(message)"
        case (_, let key?): "--\(key.rawValue): \(message)"
        default: message
        }
    }
}
