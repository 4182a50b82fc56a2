/// What one staff member did, counted from the log (no plaintext).
public struct StaffActivityRecord: Hashable, Sendable {
    public let keyID: KeyID
    public internal(set) var claims = 0
    public internal(set) var messagesSent = 0
    public internal(set) var notes = 0
    /// Transfers this member made to someone else.
    public internal(set) var transfersOut = 0
    /// Transfers others made to this member.
    public internal(set) var transfersIn = 0
    public internal(set) var closes = 0
    /// `key.wrapped` events: keys shared with other staff.
    public internal(set) var keysShared = 0
    /// The relay time of the last event this member wrote; nil if they only received transfers.
    /// Incident reports and consent changes this member recorded for visitors.
    public internal(set) var incidentRecords = 0
    /// Incidents this member shared (with the police, or as an alert's record).
    public internal(set) var incidentsShared = 0
    public internal(set) var alertsPublished = 0
    public internal(set) var lastActivityAt: UInt64?

    init(keyID: KeyID) { self.keyID = keyID }
}
