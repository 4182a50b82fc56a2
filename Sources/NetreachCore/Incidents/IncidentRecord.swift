import Sodium

/// One incident as staff see it (docs/INCIDENTS.md, "Read model"): the report, its consent now
/// and every change of it, and every time it left the team. Built from one conversation's events.
public struct IncidentRecord: Sendable {
    public struct ConsentStep: Hashable, Sendable {
        public let level: ConsentLevel
        public let position: UInt64
        public let timeMilliseconds: UInt64
        /// Whether the visitor signed it, or a worker recorded what the visitor said.
        public let byVisitor: Bool
        public let author: KeyID
        /// The day the visitor said so, for a change a worker recorded; empty for the report's own level.
        public let visitorSaidOn: String
    }

    public struct Sharing: Hashable, Sendable {
        public let record: IncidentShared
        public let position: UInt64
        public let timeMilliseconds: UInt64
        public let author: KeyID
    }

    public let id: IncidentID
    public let conversation: ConversationID
    public let report: IncidentReport
    public let position: UInt64
    public let timeMilliseconds: UInt64
    public let reportedByVisitor: Bool
    public let reporter: KeyID
    /// The report's own level first, then each change in log order.
    public internal(set) var consentHistory: [ConsentStep]
    public internal(set) var sharings: [Sharing] = []

    /// The consent that holds now: the last step.
    public var consent: ConsentLevel { consentHistory.last!.level }

    /// Whether the consent was ever higher than now: staff are shown this at once.
    public var consentWasLowered: Bool {
        zip(consentHistory, consentHistory.dropFirst()).contains { $0.level > $1.level }
    }

    public var sharedWithPolice: Bool { sharings.contains { $0.record.recipient == .police } }
    public var alerted: Bool { sharings.contains { $0.record.recipient == .alert } }

    /// One word for the inbox-style list.
    public var status: String {
        if sharedWithPolice { return "shared-with-police" }
        if alerted { return "alerted" }
        return "reported"
    }
}

/// Reads the incidents of one conversation. Never throws: an event that cannot be read or breaks a
/// rule is left out and named in `problems`, and the rest stand.
public enum Incidents {
    public struct Reading: Sendable {
        public let records: [IncidentRecord]
        public let problems: [IncidentProblem]
    }

    public struct IncidentProblem: Hashable, Sendable, CustomStringConvertible {
        public let position: UInt64
        public let message: String
        public var description: String { "event at \(position): \(message)" }
    }

    public static func read(events: [StoredEvent], keys: ConversationKeys) -> Reading {
        var records: [IncidentRecord] = []
        var index: [IncidentID: Int] = [:]
        var problems: [IncidentProblem] = []
        for stored in events {
            switch stored.kind {
            case .incidentReported:
                guard let text = open(stored, keys: keys.conversationKeys, keyName: "conversation key", problems: &problems) else { continue }
                do {
                    let report = try IncidentReport(text: text)
                    let id = IncidentID(reportedBy: stored.event)
                    let first = IncidentRecord.ConsentStep(level: report.consent, position: stored.position,
                                                           timeMilliseconds: stored.timeMilliseconds, byVisitor: stored.isByVisitor,
                                                           author: stored.authorKeyID, visitorSaidOn: "")
                    index[id] = records.count
                    records.append(IncidentRecord(id: id, conversation: stored.conversation, report: report, position: stored.position,
                                                  timeMilliseconds: stored.timeMilliseconds, reportedByVisitor: stored.isByVisitor,
                                                  reporter: stored.authorKeyID, consentHistory: [first]))
                } catch {
                    problems.append(.init(position: stored.position, message: "the report does not read: \(error.message)"))
                }
            case .consentChanged:
                guard let text = open(stored, keys: keys.conversationKeys, keyName: "conversation key", problems: &problems) else { continue }
                do {
                    let change = try ConsentChange(text: text)
                    guard let at = index[change.incident] else {
                        problems.append(.init(position: stored.position, message: "a consent change for an incident not reported here"))
                        continue
                    }
                    // The visitor speaks for themself; a worker only records what the visitor said, and when.
                    guard stored.isByVisitor == change.visitorSaidOn.isEmpty else {
                        problems.append(.init(position: stored.position, message: stored.isByVisitor
                            ? "a visitor's own consent change names no 'visitor said on' day"
                            : "a worker's consent change must name the day the visitor said so"))
                        continue
                    }
                    records[at].consentHistory.append(.init(level: change.level, position: stored.position,
                                                            timeMilliseconds: stored.timeMilliseconds, byVisitor: stored.isByVisitor,
                                                            author: stored.authorKeyID, visitorSaidOn: change.visitorSaidOn))
                } catch {
                    problems.append(.init(position: stored.position, message: "the consent change does not read: \(error.message)"))
                }
            case .incidentShared:
                guard let text = open(stored, keys: keys.staffKeys, keyName: "staff key", problems: &problems) else { continue }
                do {
                    let shared = try IncidentShared(text: text)
                    guard let at = index[shared.incident] else {
                        problems.append(.init(position: stored.position, message: "a sharing record for an incident not reported here"))
                        continue
                    }
                    records[at].sharings.append(.init(record: shared, position: stored.position,
                                                      timeMilliseconds: stored.timeMilliseconds, author: stored.authorKeyID))
                } catch {
                    problems.append(.init(position: stored.position, message: "the sharing record does not read: \(error.message)"))
                }
            default:
                continue
            }
        }
        return Reading(records: records, problems: problems)
    }

    /// Opens with whichever of the keys (newest first) seals it: a re-keyed conversation has several.
    private static func open(_ stored: StoredEvent, keys: [SecureBytes], keyName: String,
                             problems: inout [IncidentProblem]) -> String? {
        guard !keys.isEmpty else {
            problems.append(.init(position: stored.position, message: "no \(keyName) to open it"))
            return nil
        }
        var failure = ""
        for key in keys {
            do {
                return try SealedText.open(stored.event.content, key: key)
            } catch {
                failure = error.message
            }
        }
        problems.append(.init(position: stored.position, message: "it does not open with the \(keyName): \(failure)"))
        return nil
    }
}
