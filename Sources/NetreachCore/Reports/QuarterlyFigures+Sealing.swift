public import Sodium

/// The figures as `figures.sealed` keeps them (docs/READ-MODELS.md, "Sealed figures"): one flat JSON
/// object of counts, so that a quarter's report can be made again after its content has expired.
/// Times keep only what the report shows of them: how many, their median and 90th percentile.
extension QuarterlyFigures {
    static let sealedFormat = "netreach-figures-v1"
    private static let countFields = ["newContacts", "repeatContacts", "uniqueVisitors", "contactsLanguageNotKnown", "incidents",
                                      "consentChanges", "policeShares", "alertsPublished", "feedbackGiven", "unreadable"]
    private static let textFields = ["quarter", "contactsByMonth", "openedByMonth", "openedOffDuty", "firstReplySeconds", "waitingSeconds",
                                     "topics", "referrals", "ages", "genders", "workSettings", "contactsByLanguage", "incidentsByHarm",
                                     "incidentsByConsent", "helpful", "safer", "helpedMost"]

    /// The figures as one flat JSON object.
    public var sealedText: String {
        var writer = WireJSONWriter()
        writer.field("format", Self.sealedFormat)
        writer.field("quarter", quarter.description)
        writer.field("contactsByMonth", contactsByMonth.map(String.init).joined(separator: " "))
        writer.field("openedByMonth", openedByMonth.map(String.init).joined(separator: " "))
        writer.field("openedOffDuty", openedOffDuty.map(String.init) ?? "")
        writer.field("firstReplySeconds", Self.percentiles(firstReplySeconds))
        writer.field("waitingSeconds", Self.percentiles(waitingSeconds))
        writer.field("topics", Self.counts(topics.map { ($0.key.rawValue, $0.value) }))
        writer.field("referrals", Self.counts(referrals.map { ($0.key.rawValue, $0.value) }))
        writer.field("ages", Self.counts(ages.map { ($0.key.rawValue, $0.value) }))
        writer.field("genders", Self.counts(genders.map { ($0.key.rawValue, $0.value) }))
        writer.field("workSettings", Self.counts(workSettings.map { ($0.key.rawValue, $0.value) }))
        writer.field("contactsByLanguage", Self.counts(contactsByLanguage.map { ($0.key.tag, $0.value) }))
        writer.field("incidentsByHarm", Self.counts(incidentsByHarm.map { ($0.key.rawValue, $0.value) }))
        writer.field("incidentsByConsent", Self.counts(incidentsByConsent.map { (String($0.key.rawValue), $0.value) }))
        writer.field("helpful", Self.counts(helpful.map { ($0.key.rawValue, $0.value) }))
        writer.field("safer", Self.counts(safer.map { ($0.key.rawValue, $0.value) }))
        writer.field("helpedMost", Self.counts(helpedMost.map { ($0.key.rawValue, $0.value) }))
        writer.field("newContacts", newContacts)
        writer.field("repeatContacts", repeatContacts)
        writer.field("uniqueVisitors", uniqueVisitors)
        writer.field("contactsLanguageNotKnown", contactsLanguageNotKnown)
        writer.field("incidents", incidents)
        writer.field("consentChanges", consentChanges)
        writer.field("policeShares", policeShares)
        writer.field("alertsPublished", alertsPublished)
        writer.field("feedbackGiven", feedbackGiven)
        writer.field("unreadable", unreadable)
        return writer.text
    }

    /// Reads `sealedText` back; refuses anything that is not exactly its layout.
    public init(sealedText text: String) throws(RetentionError) {
        do {
            let document = try FlatDocument(text, format: Self.sealedFormat, fields: Set(Self.countFields + Self.textFields),
                                            what: "sealed figures")
            self.init(quarter: try Quarter(try document.string("quarter")))
            contactsByMonth = try Self.months(document.string("contactsByMonth"), "contactsByMonth")
            openedByMonth = try Self.months(document.string("openedByMonth"), "openedByMonth")
            let offDuty = try document.string("openedOffDuty")
            if !offDuty.isEmpty { openedOffDuty = try Self.number(offDuty, "openedOffDuty") }
            firstReplySeconds = try Self.times(document.string("firstReplySeconds"), "firstReplySeconds")
            waitingSeconds = try Self.times(document.string("waitingSeconds"), "waitingSeconds")
            topics = try Self.parse(document.string("topics"), "topics") { WrapUp.Topic(rawValue: $0) }
            referrals = try Self.parse(document.string("referrals"), "referrals") { WrapUp.Referral(rawValue: $0) }
            ages = try Self.parse(document.string("ages"), "ages") { WrapUp.AgeBand(rawValue: $0) }
            genders = try Self.parse(document.string("genders"), "genders") { WrapUp.Gender(rawValue: $0) }
            workSettings = try Self.parse(document.string("workSettings"), "workSettings") { WrapUp.WorkSetting(rawValue: $0) }
            contactsByLanguage = try Self.parse(document.string("contactsByLanguage"), "contactsByLanguage") { try? VisitorLanguage($0) }
            incidentsByHarm = try Self.parse(document.string("incidentsByHarm"), "incidentsByHarm") { IncidentReport.Harm(rawValue: $0) }
            incidentsByConsent = try Self.parse(document.string("incidentsByConsent"), "incidentsByConsent") {
                Int($0).flatMap(ConsentLevel.init(rawValue:))
            }
            helpful = try Self.parse(document.string("helpful"), "helpful") { VisitorFeedback.Helpful(rawValue: $0) }
            safer = try Self.parse(document.string("safer"), "safer") { VisitorFeedback.Safer(rawValue: $0) }
            helpedMost = try Self.parse(document.string("helpedMost"), "helpedMost") { VisitorFeedback.HelpedMost(rawValue: $0) }
            newContacts = try document.integer("newContacts")
            repeatContacts = try document.integer("repeatContacts")
            uniqueVisitors = try document.integer("uniqueVisitors")
            contactsLanguageNotKnown = try document.integer("contactsLanguageNotKnown")
            incidents = try document.integer("incidents")
            consentChanges = try document.integer("consentChanges")
            policeShares = try document.integer("policeShares")
            alertsPublished = try document.integer("alertsPublished")
            feedbackGiven = try document.integer("feedbackGiven")
            unreadable = try document.integer("unreadable")
        } catch let error as RetentionError {
            throw error
        } catch {
            throw RetentionError(.malformed, (error as? IncidentError)?.message ?? "\(error)")
        }
    }

    /// `count median p90` of sorted values, or "" for none.
    private static func percentiles(_ values: [UInt64]) -> String {
        guard let median = percentile(values, 0.5), let high = percentile(values, 0.9) else { return "" }
        return "\(values.count) \(median) \(high)"
    }

    private static func counts(_ pairs: [(String, Int)]) -> String {
        pairs.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    private static func number(_ text: some StringProtocol, _ field: String) throws(RetentionError) -> Int {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit), text.count <= 9, let value = Int(text) else {
            throw RetentionError(.malformed, "sealed figures: '\(field)' holds '\(text.prefix(20))', not a count")
        }
        return value
    }

    private static func months(_ text: String, _ field: String) throws(RetentionError) -> [Int] {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw RetentionError(.malformed, "sealed figures: '\(field)' holds three counts") }
        var values: [Int] = []
        for part in parts { values.append(try number(part, field)) }
        return values
    }

    /// `count` values whose median and 90th percentile (nearest rank, as the report takes them) are
    /// those sealed, and whose number is the count: what the report shows is what it showed before.
    private static func times(_ text: String, _ field: String) throws(RetentionError) -> [UInt64] {
        if text.isEmpty { return [] }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw RetentionError(.malformed, "sealed figures: '\(field)' holds a count, a median and a 90th percentile")
        }
        let count = try number(parts[0], field)
        let median = UInt64(try number(parts[1], field)), high = UInt64(try number(parts[2], field))
        guard count >= 1, count <= 1_000_000, median <= high else {
            throw RetentionError(.malformed, "sealed figures: '\(field)' is not a count of 1…1000000 with the median at most the 90th percentile")
        }
        let medianRank = Int((0.5 * Double(count)).rounded(.up))
        return (0..<count).map { $0 < medianRank ? median : high }
    }

    private static func parse<Key: Hashable>(_ text: String, _ field: String, _ key: (String) -> Key?) throws(RetentionError) -> [Key: Int] {
        var result: [Key: Int] = [:]
        if text.isEmpty { return result }
        for pair in text.split(separator: " ", omittingEmptySubsequences: false) {
            let halves = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard halves.count == 2, let name = halves.first, let value = key(String(name)), result[value] == nil else {
                throw RetentionError(.malformed, "sealed figures: '\(field)' holds '\(pair.prefix(40))', not a known name=count once")
            }
            result[value] = try number(halves[1], field)
        }
        return result
    }
}

/// The content of `figures.sealed` (docs/PROTOCOL.md, "Kinds"): the quarter in the clear, so that
/// the relay knows whose content may now expire, and the figures sealed with a fresh key wrapped to
/// every supervisor — the relay learns which quarter was sealed, not its counts.
///
/// Layout: quarter (6 ASCII bytes, `2026Q3`) ‖ `n` (2) ‖ `n` × Wrap ‖ nonce (24) ‖ `secretbox(Padded(figures), nonce, figures key)`.
public struct SealedFigures: Hashable, Sendable {
    public let quarter: Quarter
    public let wraps: [Wrap]
    public let sealed: [UInt8]

    /// Seals `figures` for `supervisors` (their key ids and X25519 keys), boxed from the sealing supervisor's key.
    public init(figures: QuarterlyFigures, supervisors: [(keyID: KeyID, boxKey: BoxPublicKey)], from sender: BoxKeyPair) throws(RetentionError) {
        guard !supervisors.isEmpty else { throw RetentionError(.outOfRange, "sealed figures are wrapped to at least one supervisor") }
        let key = SecureBytes.random(count: 32)
        quarter = figures.quarter
        wraps = supervisors.map { Wrap(key: key, to: $0.keyID.bytes, recipientKey: $0.boxKey, from: sender) }
        do throws(ProtocolError) {
            sealed = try SealedText.seal(figures.sealedText, key: key)
        } catch {
            throw RetentionError(.outOfRange, "the figures do not fit one sealed text: \(error.message)")
        }
    }

    public var content: [UInt8] {
        var out = Array(quarter.description.utf8)
        Wrap.writeList(wraps, to: &out)
        return out + sealed
    }

    public init(content: [UInt8]) throws(RetentionError) {
        var reader = ByteReader(content, what: "figures.sealed")
        do throws(ProtocolError) {
            let text = String(decoding: try reader.take(6), as: UTF8.self)
            guard let quarter = try? Quarter(text), quarter.description == text else {
                throw ProtocolError(.malformed, "figures.sealed starts with its quarter, like 2026Q3")
            }
            self.quarter = quarter
            wraps = try Wrap.readList(&reader)
            guard !wraps.isEmpty else { throw ProtocolError(.malformed, "figures.sealed wraps its key to at least one supervisor") }
            guard SealedText.buckets.map({ Nonce.count + SecretBox.macCount + $0 }).contains(reader.remaining) else {
                throw ProtocolError(.malformed, "figures.sealed ends with sealed text padded to a bucket")
            }
            sealed = try reader.take(reader.remaining)
        } catch {
            throw RetentionError(.malformed, error.message)
        }
    }

    /// Opens the figures with a supervisor's keys; `sender` is the sealing supervisor's X25519 key.
    public func open(as me: StaffSecrets, sender: BoxPublicKey) throws(RetentionError) -> QuarterlyFigures {
        guard let wrap = wraps.first(where: { $0.recipient == me.keyID.bytes }) else {
            throw RetentionError(.unreadable, "the figures of \(quarter) were not sealed for your key (\(me.keyID))")
        }
        let text: String
        do throws(ProtocolError) {
            let key = try wrap.open(with: me.box, from: sender)
            text = try SealedText.open(sealed, key: key)
        } catch {
            throw RetentionError(.unreadable, "the sealed figures of \(quarter) do not open with your key: \(error.message)")
        }
        let figures = try QuarterlyFigures(sealedText: text)
        guard figures.quarter == quarter else {
            throw RetentionError(.malformed, "the sealed figures say \(figures.quarter) inside and \(quarter) outside")
        }
        return figures
    }
}

extension Quarter {
    /// The quarter (UTC) a time falls in; nil outside 2000–2099.
    public init?(containing milliseconds: UInt64) {
        let (year, month, _) = CivilCalendar.civil(daysSince1970: Int64(milliseconds / 86_400_000))
        guard let quarter = try? Quarter(year: Int(year), number: Int((month - 1) / 3) + 1) else { return nil }
        self = quarter
    }

    /// The quarter after this one; 2099Q4 has none.
    public var next: Quarter? { try? number == 4 ? Quarter(year: year + 1, number: 1) : Quarter(year: year, number: number + 1) }
}
