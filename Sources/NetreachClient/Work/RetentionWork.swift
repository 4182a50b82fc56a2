import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import NetreachCore
import Sodium

/// Retention and erasure from a staff machine (docs/PRIVACY.md): the policy in force, a supervisor's
/// new policy, an erasure order, and the sealed figures of a quarter.
public struct RetentionWork: Sendable {
    public let workspace: StaffWorkspace

    public init(workspace: StaffWorkspace) { self.workspace = workspace }

    var work: ConversationWork { ConversationWork(workspace: workspace) }

    /// The policy in force and where it comes from.
    public struct InForce: Sendable {
        public let policy: RetentionPolicy
        /// Who signed it and when the relay stored it; nil for the deployment's default.
        public let signedBy: String?
        public let since: UInt64?
        /// Whether this is what the relay itself says (online), or the replica's last signed policy (offline).
        public let fromRelay: Bool
    }

    /// The relay's answer at `/v1/deployment` when it can be had; otherwise the last `policy.set` the
    /// replica holds. Offline with no signed policy in the replica, the policy is not known: that is
    /// an error, never a default presented as the answer.
    public func policyInForce() async throws -> InForce {
        let signed = try await latestPolicy()
        if !workspace.session.isOffline, let url = URL(string: workspace.session.relay + "/v1/deployment"),
           let (data, _) = try? await URLSession.shared.data(from: url),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let retention = object["retention"] as? [String: Any] {
            guard let messages = retention["messagesDays"] as? Int, let incidents = retention["incidentsDays"] as? Int,
                  let alerts = retention["alertsDays"] as? Int, let isSigned = retention["signed"] as? Bool else {
                throw WorkError.refused("the relay's retention policy (/v1/deployment) does not read")
            }
            let policy = try RetentionPolicy(messagesDays: messages, incidentsDays: incidents, alertsDays: alerts,
                                             keyPeriodDays: retention["keyPeriodDays"] as? Int)
            if isSigned, let signed, signed.policy == policy {
                return InForce(policy: policy, signedBy: signed.signedBy, since: signed.since, fromRelay: true)
            }
            return InForce(policy: policy, signedBy: isSigned ? "a supervisor (not in your replica yet)" : nil,
                           since: (retention["since"] as? NSNumber)?.uint64Value, fromRelay: true)
        }
        guard let signed else {
            throw WorkError.refused("the policy in force is not known offline: no signed policy is in your replica, and the "
                                    + "deployment's default is known only to the relay; try again when the relay is reachable")
        }
        return signed
    }

    private func latestPolicy() async throws -> InForce? {
        try await work.catchUp()
        let lookup = workspace.keyring
        guard let stored = try await workspace.replica.events(of: .policyFeed).last(where: { $0.kind == .policySet }),
              let policy = try? RetentionPolicy(content: stored.event.content) else { return nil }
        let name = lookup.certificates.first { $0.signKey == stored.event.author }?.name.text ?? "an unknown key"
        return InForce(policy: policy, signedBy: name, since: stored.timeMilliseconds, fromRelay: false)
    }

    /// Signs and stores a new policy (supervisors; the relay refuses anyone else).
    public func setPolicy(_ policy: RetentionPolicy) async throws {
        _ = try await workspace.session.append(try work.sign(.policySet, .policyFeed, content: policy.content))
    }

    /// Orders the erasure of a conversation; returns how many of its events the relay erased (as its
    /// records say, once the replica has them).
    public func erase(_ conversation: ConversationID, reason: ErasureRequest.Reason) async throws -> Int {
        // An order for a conversation erased already would be stored and erase nothing: say so instead.
        if let erased = ConversationWork.wholeErasure(in: try await work.events(of: conversation)) {
            throw WorkError.refused("this conversation's content was erased (\(erased.words)) already; nothing was sent")
        }
        let request = try work.sign(.erasureRequested, conversation, content: ErasureRequest(reason: reason).content)
        _ = try await workspace.session.append(request)
        for _ in 0..<50 {
            let records = try await work.events(of: conversation).filter { $0.kind == .contentErased }
            let listed = records.compactMap { try? ContentErased(content: $0.event.content) }.filter { $0.reference == request.id }
            if !listed.isEmpty { return listed.reduce(0) { $0 + $1.entries.count } }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WorkError.refused("the relay acknowledged the order, but its erasure record has not reached your replica yet; "
                                + "run netreach transcript on the conversation to see it")
    }

    /// Withdraws one alert of the public feed (a supervisor's order): the relay erases it at once.
    /// Returns once the relay's record of it has reached the replica.
    public func withdrawAlert(at position: UInt64, reason: ErasureRequest.Reason) async throws {
        let feed = try await work.events(of: .alertFeed)
        guard feed.contains(where: { $0.position == position && $0.kind == .alertPublished }) else {
            throw WorkError.refused("there is no alert at position \(position) in the feed (netreach alert list shows them); nothing was sent")
        }
        let request = try work.sign(.erasureRequested, .alertFeed, content: ErasureRequest(reason: reason, alert: position).content)
        _ = try await workspace.session.append(request)
        for _ in 0..<50 {
            let records = try await work.events(of: .alertFeed).filter { $0.kind == .contentErased }
            if records.contains(where: { (try? ContentErased(content: $0.event.content))?.reference == request.id }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WorkError.refused("the relay acknowledged the withdrawal, but its record has not reached your replica yet; "
                                + "run netreach alert list to see the feed")
    }

    /// The figures of `quarter` as a supervisor sealed them, opened with this machine's keys; nil
    /// when they were never sealed. Sealed more than once, the first counts.
    public func sealedFigures(_ quarter: Quarter) async throws -> (figures: QuarterlyFigures, sealedBy: String, at: UInt64)? {
        try await work.catchUp()
        for stored in try await workspace.replica.events(of: .reportsFeed) where stored.kind == .figuresSealed {
            guard let sealed = try? SealedFigures(content: stored.event.content), sealed.quarter == quarter else { continue }
            guard let sealer = workspace.keyring.certificates.first(where: { $0.signKey == stored.event.author }) else {
                throw WorkError.refused("the figures of \(quarter) were sealed by a key that is not in the keyring")
            }
            let figures = try sealed.open(as: work.me, sender: sealer.boxKey)
            return (figures, sealer.name.text, stored.timeMilliseconds)
        }
        return nil
    }

    /// Seals `figures` for every active supervisor (this one included).
    public func seal(_ figures: QuarterlyFigures) async throws {
        let supervisors = workspace.keyring.active.filter { $0.role == .supervisor }.map { ($0.keyID, $0.boxKey) }
        let sealed = try SealedFigures(figures: figures, supervisors: supervisors, from: workspace.credentials.box)
        _ = try await workspace.session.append(try work.sign(.figuresSealed, .reportsFeed, content: sealed.content))
    }
}
