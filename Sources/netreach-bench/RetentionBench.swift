import ArgumentParser
import EventLog
import Foundation
import Logging
import NetreachCommandLine
import NetreachCore
import NetreachRelay
import Sodium

/// `netreach-bench retention`: what the relay's retention costs (docs/PRIVACY.md) against the bare
/// store operations it is made of, on the same disk in the same run — the fold of the log against a
/// plain read of every record, and a sweep that erases every conversation against redacting the
/// same events one by one without the records, stream reads and checks around them.
struct RetentionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Retention: folding the log against reading it, a sweep's erasures against bare redactions.",
        discussion: """
            Two identical logs of signed conversations are written; one is swept by the retention engine
            (every conversation past its time), the other redacted event by event.

            Example:
              netreach-bench retention --work-dir /var/tmp/netreach-retention --conversations 2000
            """
    )

    @Option(help: "Scratch directory on the disk to measure (emptied first, removed after).") var workDir: String
    @Option(help: "Conversations in the log.") var conversations = 2_000
    @Option(help: "Events per conversation (an opening, then messages).") var events = 10
    @Option(help: "Write the figures to this JSON file.") var json: String?

    func validate() throws {
        guard workDir.hasPrefix("/") && workDir.count > 5 else { throw ValidationError("--work-dir must be an absolute path") }
        guard (1...1_000_000).contains(conversations), (2...1_000).contains(events) else {
            throw ValidationError("--conversations is 1…1000000 and --events 2…1000")
        }
    }

    func run() async throws {
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        let total = conversations * events
        print("retention benchmark: \(conversations) conversations × \(events) events = \(total), "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        let swept = workDir + "/swept", bare = workDir + "/bare"
        let written = try await fill(swept)
        try FileManager.default.copyItem(atPath: swept, toPath: bare)
        var figures: [String: Double] = [:]
        func report(_ key: String, _ value: Double, _ label: String) {
            figures[key] = value
            let padded = label.count < 52 ? label + String(repeating: " ", count: 52 - label.count) : label
            print("  " + padded + String(format: "%14.1f", value))
        }

        // The fold against a plain read of every record.
        let store = try FileEventStore(directory: swept)
        var clock = ContinuousClock.now
        var next: UInt64 = 0
        while true {
            let batch = try await store.read(from: next, maxCount: 2048)
            guard let last = batch.last else { break }
            next = last.position + 1
        }
        let readSeconds = seconds(since: clock)
        let day: UInt64 = 86_400_000
        let engine = RetentionEngine(store: store, relayKey: .generate(), defaultPolicy: .standard,
                                     clock: { written + 400 * day }, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        clock = .now
        try await engine.catchUp()
        let foldSeconds = seconds(since: clock)
        report("read_events_per_s", Double(total) / readSeconds, "read every record, events/s (baseline)")
        report("fold_events_per_s", Double(total) / foldSeconds, "retention fold of the log, events/s")
        report("ratio_fold_vs_read", readSeconds / foldSeconds, "ratio, fold / read")

        // A sweep that erases every conversation (their quarters sealed below), against bare redactions.
        let quarters = Set((0..<8).compactMap { Quarter(containing: written - UInt64($0) * 90 * day) })
        let supervisor = BoxKeyPair.generate(), sealer = SigningKeyPair.generate()
        for quarter in quarters {
            let figures = try QuarterlyFigures(sealedText: QuarterlyFigures.empty(quarter))
            let content = try SealedFigures(figures: figures, supervisors: [(KeyID(sealer.publicKey), supervisor.publicKey)], from: supervisor).content
            let event = try Event(kind: .figuresSealed, conversation: .reportsFeed, clientTimeMilliseconds: 0, content: content, signer: sealer)
            _ = try await store.append(to: "reports", expectedVersion: .any, events: [
                ProposedEvent(id: try EventID(event.id), type: "figures.sealed", timeMilliseconds: written, payload: event.bytes),
            ])
        }
        clock = .now
        let sweep = try await engine.sweep()
        let sweepSeconds = seconds(since: clock)
        await store.close()
        guard sweep.eventsErased == total, sweep.conversationsErased == conversations else {
            throw ValidationError("the sweep erased \(sweep.eventsErased) events of \(sweep.conversationsErased) conversations, "
                                  + "not \(total) of \(conversations)")
        }
        let plain = try FileEventStore(directory: bare)
        clock = .now
        for position in 0..<UInt64(total) { _ = try await plain.redact(position: position) }
        let bareSeconds = seconds(since: clock)
        await plain.close()
        report("bare_redactions_per_s", Double(total) / bareSeconds, "bare redactions, events/s (baseline)")
        report("sweep_erasures_per_s", Double(total) / sweepSeconds, "sweep erasing every conversation, events/s")
        report("ratio_sweep_vs_bare", bareSeconds / sweepSeconds, "ratio, sweep / bare redactions")
        report("records_written", Double(sweep.records), "erasure records the sweep wrote")

        if let json {
            var document: [String: any Sendable] = figures
            document["conversations"] = conversations
            document["events_per_conversation"] = events
            document["cores"] = ProcessInfo.processInfo.activeProcessorCount
            try writeFigures(document, to: json)
            print("wrote \(json)")
        }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Writes the conversations, each a signed opening and signed messages, a year and more ago;
    /// returns the relay time they carry.
    private func fill(_ directory: String) async throws -> UInt64 {
        let store = try FileEventStore(directory: directory)
        let time: UInt64 = 1_750_000_000_000
        let staff = BoxKeyPair.generate(), staffKeyID = Random.bytes(count: 16)
        var batch: [(StreamName, ProposedEvent)] = []
        for _ in 0..<conversations {
            let visitor = SigningKeyPair.generate(), box = BoxKeyPair.generate()
            let conversation = ConversationID(visitor: visitor.publicKey)
            let key = SecretBox.generateKey()
            let opened = ConversationOpened(visitorBoxKey: box.publicKey, wraps: [
                Wrap(key: key, to: staffKeyID, recipientKey: staff.publicKey, from: box),
                Wrap(key: key, to: KeyID(visitor.publicKey).bytes, recipientKey: box.publicKey, from: box),
            ])
            let stream = try StreamName(conversation.streamName)
            for index in 0..<events {
                let event = index == 0
                    ? try Event(kind: .conversationOpened, conversation: conversation, clientTimeMilliseconds: time, content: opened.content, signer: visitor)
                    : try Event(kind: .messagePosted, conversation: conversation, clientTimeMilliseconds: time,
                                content: SealedText.seal("message \(index) of a chat that is past its time", key: key), signer: visitor)
                batch.append((stream, ProposedEvent(id: try EventID(event.id), type: try EventType(event.kind.name),
                                                    author: KeyID(visitor.publicKey).authorID, timeMilliseconds: time, payload: event.bytes)))
            }
            if batch.count >= 512 {
                try await append(batch, to: store)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await append(batch, to: store)
        await store.close()
        return time
    }

    private func append(_ batch: [(StreamName, ProposedEvent)], to store: FileEventStore) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (stream, event) in batch {
                group.addTask { _ = try await store.append(to: stream, expectedVersion: .any, events: [event]) }
            }
            try await group.waitForAll()
        }
    }
}

extension QuarterlyFigures {
    /// The sealed text of a quarter with nothing in it.
    static func empty(_ quarter: Quarter) -> String {
        #"{"format":"netreach-figures-v1","quarter":""# + quarter.description
            + #"","contactsByMonth":"0 0 0","openedByMonth":"0 0 0","openedOffDuty":"","firstReplySeconds":"","waitingSeconds":"","#
            + #""topics":"","referrals":"","ages":"","genders":"","workSettings":"","contactsByLanguage":"","incidentsByHarm":"","#
            + #""incidentsByConsent":"","helpful":"","safer":"","helpedMost":"","newContacts":0,"repeatContacts":0,"uniqueVisitors":0,"#
            + #""contactsLanguageNotKnown":0,"incidents":0,"consentChanges":0,"policeShares":0,"alertsPublished":0,"feedbackGiven":0,"unreadable":0}"#
    }
}
