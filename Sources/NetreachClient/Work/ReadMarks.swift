import Foundation
public import NetreachCore

/// How far this staff member has read each conversation: `b64u-id position` lines in
/// `$NETREACH_HOME/read-marks`. Positions only; nothing a visitor wrote.
public struct ReadMarks: Sendable, Equatable {
    public private(set) var positions: [ConversationID: UInt64] = [:]

    public init() {}

    public static func load(home: NetreachHome) -> ReadMarks {
        var marks = ReadMarks()
        guard let text = try? String(contentsOfFile: home.readMarksPath, encoding: .utf8) else { return marks }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let id = try? ConversationID(base64URL: String(parts[0])), let position = UInt64(parts[1]) else { continue }
            marks.positions[id] = position
        }
        return marks
    }

    public func position(of conversation: ConversationID) -> UInt64? { positions[conversation] }

    public mutating func markRead(_ conversation: ConversationID, upTo position: UInt64) {
        positions[conversation] = max(positions[conversation] ?? 0, position)
    }

    public func save(home: NetreachHome) throws(KeyError) {
        let text = positions.sorted { $0.key.base64URL < $1.key.base64URL }.map { "\($0.key.base64URL) \($0.value)\n" }.joined()
        try KeyFileStorage.writeAtomically(Array(text.utf8), to: home.readMarksPath, permissions: 0o600, replacing: true)
    }
}
