public import Sodium

/// An enrolled, unrevoked staff member of a keyring.
public struct EnrolledStaff: Hashable, Sendable {
    public let name: StaffName
    public let role: StaffRole
    /// Signs events and answers login challenges.
    public let signKey: SigningPublicKey
    /// Conversation keys are wrapped to it.
    public let boxKey: BoxPublicKey
    /// Names the member as an author in the event log.
    public let keyID: KeyID
    public let serial: EnrolmentSerial
    public let issued: KeyTimestamp
    /// The languages the enrolment lists; empty when it lists none (not known, not "none").
    public let languages: [VisitorLanguage]

    init(_ certificate: EnrolmentCertificate) {
        name = certificate.name
        role = certificate.role
        signKey = certificate.signKey
        boxKey = certificate.boxKey
        keyID = certificate.keyID
        serial = certificate.serial
        issued = certificate.issued
        languages = certificate.languages
    }

    public var fingerprint: Fingerprint { Fingerprint(signKey: signKey, boxKey: boxKey) }
}
