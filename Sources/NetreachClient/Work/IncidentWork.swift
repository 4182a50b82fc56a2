import Foundation
public import NetreachCore
import Sodium

/// The Ugly Mugs work of a staff member (docs/INCIDENTS.md): recording reports and consent for a
/// visitor, the police package, alerts, and checking an identifier against the feed. Every
/// decision that consent governs is taken on the caught-up replica, just before acting.
public struct IncidentWork: Sendable {
    public let work: ConversationWork

    /// `asColleague`: the person means to act on incidents of a colleague's conversation (ColleagueRule).
    public init(workspace: StaffWorkspace, asColleague: Bool = false) {
        work = ConversationWork(workspace: workspace, asColleague: asColleague)
    }

    var workspace: StaffWorkspace { work.workspace }

    // MARK: Reading

    /// Every incident in the replica, oldest first, with the problems met reading them.
    public func all() async throws -> (records: [IncidentRecord], problems: [Incidents.IncidentProblem]) {
        try await work.catchUp()
        let events = try await workspace.replica.allEvents()
        var byConversation: [ConversationID: [StoredEvent]] = [:]
        var order: [ConversationID] = []
        let reporting = Set(events.filter { $0.kind == .incidentReported }.map(\.conversation))
        for stored in events where reporting.contains(stored.conversation) {
            if byConversation[stored.conversation] == nil { order.append(stored.conversation) }
            byConversation[stored.conversation, default: []].append(stored)
        }
        var records: [IncidentRecord] = []
        var problems: [Incidents.IncidentProblem] = []
        for conversation in order {
            let events = byConversation[conversation]!
            let reading = Incidents.read(events: events, keys: work.keys(for: events))
            records += reading.records
            problems += reading.problems
        }
        return (records.sorted { $0.position < $1.position }, problems)
    }

    /// The incident whose id starts with `text` (hex, as lists show it) or is its whole b64u id.
    public func incident(matching text: String) async throws -> IncidentRecord {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let hex = trimmed.lowercased()
        let matches = try await all().records.filter { (!hex.isEmpty && Hex.encode($0.id.bytes).hasPrefix(hex)) || $0.id.base64URL == trimmed }
        guard trimmed.count >= 4 else {
            throw WorkError.badID("an incident id needs at least 4 hex digits, got '\(text)'" + Self.candidates(matches))
        }
        switch matches.count {
        case 1: return matches[0]
        case 0: throw WorkError.unknownConversation("no incident starts with '\(trimmed)' (see netreach incidents)")
        default: throw WorkError.badID("'\(trimmed)' matches \(matches.count) incidents; give more of the id" + Self.candidates(matches))
        }
    }

    /// The incidents an id could mean, each as much of its id as tells them apart, with its date and area.
    static func candidates(_ records: [IncidentRecord]) -> String {
        guard !records.isEmpty else { return "" }
        let hexes = records.map { Hex.encode($0.id.bytes) }.sorted()
        let length = max(8, zip(hexes, hexes.dropFirst()).map { pair in 1 + zip(pair.0, pair.1).prefix { $0 == $1 }.count }.max() ?? 0)
        let lines = records.sorted { Hex.encode($0.id.bytes) < Hex.encode($1.id.bytes) }.prefix(10).map {
            "\n  \(Hex.encode($0.id.bytes).prefix(length))  \($0.report.date) \($0.report.area)"
        }
        return "; it could be:" + lines.joined() + (records.count > 10 ? "\n  … and \(records.count - 10) more" : "")
    }

    // MARK: Recording for the visitor

    /// Records a report the visitor gave a worker, sealed with the conversation key so the visitor can read it too.
    public func report(_ report: IncidentReport, in conversation: ConversationID) async throws -> IncidentID {
        try await work.checkNotColleagues(conversation)
        let key = try await conversationKey(of: conversation)
        let event = try work.sign(.incidentReported, conversation, content: try SealedText.seal(report.text, key: key))
        _ = try await workspace.session.append(event)
        return IncidentID(reportedBy: event)
    }

    /// Records a change of consent the visitor asked for, and the day they asked.
    public func changeConsent(of record: IncidentRecord, to level: ConsentLevel, visitorSaidOn: String) async throws {
        let change = try ConsentChange(incident: record.id, level: level, visitorSaidOn: visitorSaidOn)
        guard !change.visitorSaidOn.isEmpty else {
            throw IncidentError(.missingValue, "a worker records consent with the day the visitor said so", field: "visitorSaidOn")
        }
        try await work.checkNotColleagues(record.conversation)
        let key = try await conversationKey(of: record.conversation)
        _ = try await workspace.session.append(try work.sign(.consentChanged, record.conversation,
                                                             content: try SealedText.seal(change.text, key: key)))
    }

    // MARK: Sharing

    /// Builds the police package from the incident as the relay has it now, records the sharing
    /// (`incident.shared`, appended at the conversation's version, so a consent change that
    /// arrives meanwhile makes this fail rather than be overtaken), and returns the package.
    public func policeExport(_ id: IncidentID, sharedWith note: String) async throws -> PoliceExport {
        let staffKey = try await work.staffKey(of: try await conversation(of: id))
        for _ in 0..<3 {
            let record = try await incident(matching: id.base64URL)
            let events = try await workspace.replica.events(of: record.conversation)
            let package = try PoliceExport(record: record, organisation: workspace.keyring.organisation.name.text,
                                           sharedBy: workspace.credentials.name.text, sharedOn: Self.timestamp(Date()))
            let shared = try IncidentShared(incident: record.id, recipient: .police, level: package.level, digest: package.digest, note: note)
            let event = try work.sign(.incidentShared, record.conversation, content: try SealedText.seal(shared.text, key: staffKey))
            do {
                _ = try await workspace.session.append(event, expect: events.last?.version)
                return package
            } catch let error as ProtocolError where error.code == .versionConflict {
                continue  // something arrived: read the consent again
            }
        }
        throw WorkError.refused("the conversation keeps changing; try again")
    }

    /// Publishes an alert from a reviewed draft: refused below consent 2 (read from the relay's
    /// log just before), checked against its report, hashed, signed, appended to the feed, and
    /// recorded in the incident's conversation.
    public func publish(_ draft: AlertDraft) async throws -> SafetyAlert {
        let record = try await incident(matching: draft.incident.base64URL)
        guard record.consent.allowsAlert else {
            throw IncidentError(.consentTooLow, "incident \(record.id.shortID) has consent level \(record.consent.rawValue) "
                                + "(\(record.consent.summary)); an alert needs level 2 or more", field: "consent")
        }
        try draft.check(against: record)
        let alert = try draft.alert(salt: PerpetratorIdentifier.feedSalt(organisation: workspace.keyring.organisation.signKey))
        let staffKey = try await work.staffKey(of: record.conversation)
        let shared = try IncidentShared(incident: record.id, recipient: .alert, level: record.consent,
                                        digest: Base64URL.encode(SHA512.hash(alert.content)), note: "\(alert.month) \(alert.area)")
        // The record first: an alert out without its record would be a sharing nobody can account for.
        _ = try await workspace.session.append(try work.sign(.incidentShared, record.conversation,
                                                             content: try SealedText.seal(shared.text, key: staffKey)))
        _ = try await workspace.session.append(try work.sign(.alertPublished, .alertFeed, content: alert.content))
        return alert
    }

    // MARK: The feed

    /// The feed as this replica holds it, newest first: only alerts that verify against the keyring;
    /// the others are counted, not shown. `since` (the relay's time, ms) keeps only what the relay
    /// stored from then on, for the verified and the counted alike.
    public func feed(since: UInt64 = 0) async throws -> (alerts: [FeedAlert], unverified: Int) {
        try await work.catchUp()
        let events = try await workspace.replica.events(of: .alertFeed)
        var alerts: [FeedAlert] = []
        var unverified = 0
        // The feed also holds withdrawals and the relay's records of the alerts it erased: they are not alerts.
        for stored in events.reversed() where stored.kind == .alertPublished && stored.timeMilliseconds >= since {
            if let alert = try? VerifiedAlert.verify(stored.event, position: stored.position, keyring: workspace.keyring) {
                alerts.append(FeedAlert(verified: alert, publishedAt: stored.timeMilliseconds))
            } else {
                unverified += 1
            }
        }
        return (alerts, unverified)
    }

    /// The verified alerts that name `identifier`, hashed here: nothing of it leaves this machine;
    /// with how many verified alerts were checked and how many did not verify (and so were not).
    public func check(_ identifier: PerpetratorIdentifier) async throws -> (matches: [VerifiedAlert], checked: Int, unverified: Int) {
        let salt = PerpetratorIdentifier.feedSalt(organisation: workspace.keyring.organisation.signKey)
        let (alerts, unverified) = try await feed()
        return (alerts.map(\.verified).filter { $0.alert.matches(identifier, salt: salt) }, alerts.count, unverified)
    }

    // MARK: Helpers

    private func conversation(of id: IncidentID) async throws -> ConversationID {
        try await incident(matching: id.base64URL).conversation
    }

    private func conversationKey(of conversation: ConversationID) async throws -> SecureBytes {
        let keys = try await work.keys(of: conversation)
        guard let key = keys.conversationKey else {
            throw WorkError.noKey(keys.conversationKeyProblem?.message ?? "the conversation key was never wrapped to your key")
        }
        return key
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// An alert of the feed that verified against the keyring, and when the relay stored it.
public struct FeedAlert: Sendable {
    public let verified: VerifiedAlert
    /// The relay's time for the `alert.published` event, milliseconds since 1970.
    public let publishedAt: UInt64
}
