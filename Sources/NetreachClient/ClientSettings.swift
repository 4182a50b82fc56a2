import Foundation
public import NetreachCore

/// What `netreach login` remembers in `$NETREACH_HOME/settings`: the relay's address and the staff
/// name to use. Two `key: value` lines; nothing secret.
public struct ClientSettings: Sendable, Equatable {
    public var relay: String
    public var name: String

    public init(relay: String, name: String) {
        self.relay = relay
        self.name = name
    }

    public static func load(home: NetreachHome) throws(KeyError) -> ClientSettings {
        let bytes: [UInt8]
        do { bytes = try KeyFileStorage.read(path: home.settingsPath) } catch {
            throw KeyError(code: .ioError, "not logged in: run netreach login --relay URL --org org.pub", file: home.settingsPath)
        }
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        guard let relay = fields["relay"], let name = fields["name"] else {
            throw KeyError(code: .missingField, "the settings file lacks relay: or name:", file: home.settingsPath)
        }
        return ClientSettings(relay: relay, name: name)
    }

    public func save(home: NetreachHome) throws(KeyError) {
        try home.createFolder()
        try KeyFileStorage.writeAtomically(Array("relay: \(relay)\nname: \(name)\n".utf8), to: home.settingsPath, permissions: 0o600,
                                           replacing: true)
    }
}
