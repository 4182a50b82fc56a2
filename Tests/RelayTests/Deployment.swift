import Foundation
import NetreachCore
import NetreachRelay
import Sodium

/// A deployment's keys made the way the key ceremony makes them: an organisation key that signs
/// each staff member's enrolment (docs/KEYS.md), assembled into a real `Keyring`.
struct Deployment: Sendable {
    struct Staff: Sendable {
        let name: String
        let signing: SigningKeyPair
        let box: BoxKeyPair
        let certificate: EnrolmentCertificate
        var keyID: [UInt8] { KeyID(signing.publicKey).bytes }
    }

    let organisationKey: SigningKeyPair
    let organisation: OrganisationPublicKey
    let staff: [Staff]

    /// Staff named in `supervisors` are enrolled as supervisors, the others as workers.
    init(staffNames: [String] = ["sam", "alex"], supervisors: Set<String> = []) throws {
        let organisationKey = SigningKeyPair.generate()
        self.organisationKey = organisationKey
        organisation = OrganisationPublicKey(name: try DeploymentName("test-deployment"), signKey: organisationKey.publicKey)
        let issued = try KeyTimestamp(secondsSince1970: 1_764_000_000)
        staff = try staffNames.map { name in
            let signing = SigningKeyPair.generate(), box = BoxKeyPair.generate()
            let publicKey = StaffPublicKey(name: try StaffName(name), signKey: signing.publicKey, boxKey: box.publicKey)
            return Staff(name: name, signing: signing, box: box,
                         certificate: EnrolmentCertificate.issue(enrolling: publicKey, role: supervisors.contains(name) ? .supervisor : .worker, issued: issued,
                                                                 organisationKey: organisationKey))
        }
    }

    func member(_ name: String) -> Staff { staff.first { $0.name == name }! }

    /// The keyring, with the named members revoked.
    func keyring(revoking revoked: [String] = []) throws -> Keyring {
        let revokedAt = try KeyTimestamp(secondsSince1970: 1_764_100_000)
        return try Keyring(
            organisation: organisation,
            certificates: staff.map { KeyFile(label: $0.certificate.fileName, bytes: $0.certificate.fileBytes) },
            revocations: try revoked.map { name in
                let revocation = Revocation.issue(revoking: member(name).certificate, revoked: revokedAt,
                                                  reason: try RevocationReason("left the project"), organisationKey: organisationKey)
                return KeyFile(label: "\(name).rev", bytes: revocation.fileBytes)
            })
    }
}

/// A visitor's client state, as the web page holds it.
struct VisitorClient: Sendable {
    let phrase: ResumePhrase
    let identity: VisitorIdentity
    let conversationKey: SecureBytes

    init(phrase: ResumePhrase = .generate(), conversationKey: SecureBytes = SecretBox.generateKey()) {
        self.phrase = phrase
        identity = VisitorIdentity(phrase: phrase)
        self.conversationKey = conversationKey
    }

    /// `language`, when given, is sealed after the wraps as the web page seals its language.
    /// `excluding`: staff whose keys the relay's keyring revoked (it refuses a wrap to them), as a page leaves them out.
    func openedEvent(for deployment: Deployment, language: VisitorLanguage? = nil, excluding: Set<String> = []) throws -> Event {
        let wraps = deployment.staff.filter { !excluding.contains($0.name) }.map {
            Wrap(key: conversationKey, to: $0.keyID, recipientKey: $0.box.publicKey, from: identity.box)
        } + [Wrap(key: conversationKey, to: KeyID(identity.signing.publicKey).bytes, recipientKey: identity.box.publicKey,
                  from: identity.box)]
        return try Event(kind: .conversationOpened, conversation: identity.conversation, clientTimeMilliseconds: 0,
                         content: (language.map { ConversationOpened(visitorBoxKey: identity.box.publicKey, wraps: wraps, language: $0,
                                                                     conversationKey: conversationKey) }
                             ?? ConversationOpened(visitorBoxKey: identity.box.publicKey, wraps: wraps)).content,
                         signer: identity.signing)
    }

    func message(_ text: String) throws -> Event {
        try Event(kind: .messagePosted, conversation: identity.conversation, clientTimeMilliseconds: 0,
                  content: SealedText.seal(text, key: conversationKey), signer: identity.signing)
    }
}
