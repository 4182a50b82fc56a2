import Foundation
import NetreachCore
import Sodium
#if canImport(Glibc)
import Glibc
#endif

/// What a staff client does with its period keys each time it catches up (docs/KEYS.md, "Period
/// keys"): it makes and publishes keys for this period and the next, so that pages and colleagues
/// can wrap to them; and it destroys a key whose period is over once nothing in the log is wrapped
/// to it any more (every such wrap erased by a relay-signed record), and says so.
public enum PeriodKeyUpkeep {

    /// Loads the held keys and, online, publishes and destroys as above. Never throws: what goes
    /// wrong is said in the notes, and the keys that could be read are returned.
    public static func run(home: NetreachHome, credentials: StaffCredentials, session: StaffSession, replica: LocalReplica,
                           now: UInt64) async -> (held: [HeldPeriodKey], notes: [String], published: Bool) {
        // One upkeep at a time per folder: two commands making a key at once would each rewrite the
        // file without the other's key, and a published key's secret would be lost.
        let lock = open(PeriodKeyFile.path(home: home, name: credentials.name) + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if lock >= 0 { _ = flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        var held: [HeldPeriodKey]
        do {
            held = try PeriodKeyFile.load(home: home, credentials: credentials)
        } catch {
            // Never replaced while it cannot be read: the keys in it would be lost.
            return ([], ["your period keys cannot be read (\(error)); conversations wrapped to them cannot be opened, "
                         + "and new ones are wrapped to your enrolled key until this is fixed"], false)
        }
        guard !session.isOffline, let feed = try? await replica.events(of: .keysFeed) else { return (held, [], false) }
        var notes: [String] = []
        var published = false
        let keyring = session.keyring
        let directory = PeriodKeyDirectory(events: feed, keyring: keyring)
        let mine = directory.published.filter { $0.author == credentials.signing.publicKey }

        // Publish: this period's key and the next one's, made and kept before they are sent.
        if keyring.member(signKey: credentials.signing.publicKey) != nil {
            // A period's length is the signed policy's (a calendar month, UTC, unless it says otherwise).
            let policy = (try? await replica.events(of: .policyFeed))?.last { $0.kind == .policySet }
                .flatMap { try? RetentionPolicy(content: $0.event.content) }
            let periods = Self.periods(at: now, days: policy?.keyPeriodDays, published: mine.map { ($0.key.start, $0.key.end) })
            for (start, end) in periods {
                let key: HeldPeriodKey
                if let kept = held.first(where: { $0.key.start == start && $0.key.end == end }) {
                    key = kept
                } else {
                    do {
                        key = try HeldPeriodKey(start: start, end: end, secret: .generate())
                        try PeriodKeyFile.save(held + [key], home: home, credentials: credentials)
                        held.append(key)
                    } catch {
                        notes.append("could not keep a new period key (\(error)); new chats are wrapped to your enrolled key")
                        break
                    }
                }
                do {
                    // The same key always makes the same event (its id is the key's id, Ed25519 is deterministic):
                    // sent again after a lost answer, or by a second command, it is a retry the relay acknowledges.
                    let event = try Event(kind: .keyPeriod, id: key.key.keyID(staff: credentials.signing.publicKey), conversation: .keysFeed,
                                          clientTimeMilliseconds: key.key.start, content: key.key.content, signer: credentials.signing)
                    _ = try await session.append(event)
                    published = true
                } catch {
                    notes.append("could not publish your period key for \(key.key.periodText) (\(error)); it is sent again next time")
                }
            }
        }

        // Destroy: a period over, and no wrap left to its key anywhere in the log. Reading the whole
        // replica for it is done once a day at most (a key may wait two years for its last chat).
        let over = held.filter { $0.key.end + PeriodKey.slackMilliseconds <= now }
        let checked = home.path + "/period-keys-checked", today = String(now / 86_400_000)
        guard !over.isEmpty, (try? String(contentsOfFile: checked, encoding: .utf8)) != today,
              let events = try? await replica.allEvents() else { return (held, notes, published) }
        _ = try? KeyFileStorage.writeAtomically(Array(today.utf8), to: checked, permissions: 0o600, replacing: true)
        let wrapped = Self.wrapRecipients(in: events)
        let destroyable = over.filter { !wrapped.contains($0.key.keyID(staff: credentials.signing.publicKey)) }
        if !destroyable.isEmpty {
            let kept = held.filter { key in !destroyable.contains { $0.key == key.key } }
            do {
                try PeriodKeyFile.save(kept, home: home, credentials: credentials)
                held = kept
                for key in destroyable {
                    notes.append("destroyed your period key for \(key.key.periodText): its period is over and nothing in the log "
                                 + "is wrapped to it any more (what was is erased), so no copy of the log or of this folder made "
                                 + "from now on can open what it protected")
                }
            } catch {
                notes.append("could not destroy your period keys whose content was erased (\(error)); tried again next time")
            }
        }
        return (held, notes, published)
    }

    /// The periods to hold keys for at `now`: the one that contains it and the next, each as long as
    /// the policy says (`days`; nil: a calendar month), starting no earlier than the end of a key
    /// already published that overlaps it — so that a changed length takes over where the keys of
    /// the old one end, with neither a gap nor an overlap (which the relay refuses). A period that a
    /// published key covers whole needs no key.
    public static func periods(at now: UInt64, days: Int?, published: [(start: UInt64, end: UInt64)]) -> [(start: UInt64, end: UInt64)] {
        var result: [(start: UInt64, end: UInt64)] = []
        var cursor = now
        for _ in 0..<2 {
            let period = PeriodKey.period(containing: cursor, days: days)
            var start = period.start
            var moved = true
            while moved && start < period.end {
                moved = false
                for key in published + result where key.start < period.end && start < key.end {
                    start = key.end
                    moved = true
                }
            }
            if start < period.end { result.append((start, period.end)) }
            cursor = period.end
        }
        return result
    }

    /// Every key id a conversation or staff key is wrapped to in `events` (erased events are not held).
    static func wrapRecipients(in events: [StoredEvent]) -> Set<[UInt8]> {
        var recipients = Set<[UInt8]>()
        for stored in events {
            switch stored.kind {
            case .conversationOpened:
                (try? ConversationOpened(content: stored.event.content)).map { recipients.formUnion($0.wraps.map(\.recipient)) }
            case .keyWrapped:
                (try? KeyWrapped(content: stored.event.content)).map { recipients.formUnion($0.wraps.map(\.recipient)) }
            case .keyRotated:
                (try? KeyRotated(content: stored.event.content)).map { recipients.formUnion($0.wraps.map(\.recipient)) }
            case .figuresSealed:
                (try? SealedFigures(content: stored.event.content)).map { recipients.formUnion($0.wraps.map(\.recipient)) }
            default: break
            }
        }
        return recipients
    }
}
