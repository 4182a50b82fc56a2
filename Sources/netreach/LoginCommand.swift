import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach login --relay URL --org org.pub`
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Connect to a relay: check its keyring against your organisation key, answer its challenge, copy the log.",
        discussion: """
            The organisation key (org.pub) is the one your organisation gave you out of band; the relay's keyring must \
            verify under it. Stores the relay address in $NETREACH_HOME/settings; later commands log in by themselves.

            Example:
              netreach login --relay https://relay.example.org --org Keys/org.pub
            """
    )

    @Option(help: "The relay's address, e.g. https://relay.example.org or http://127.0.0.1:8080.") var relay: String
    @Option(help: "Your organisation's public key file (org.pub). Needed the first time.") var org: String?
    @Option(help: "Which staff key, when this folder holds more than one.") var name: String?
    @OptionGroup var passphrase: PassphraseOptions

    func run() async throws {
        try await failing("login") {
            let home = try netreachHome()
            let organisation: OrganisationPublicKey
            if let org {
                organisation = try OrganisationPublicKey(parsing: try KeyFileStorage.read(path: org), fileName: org)
            } else if FileManager.default.fileExists(atPath: home.organisationKeyPath) {
                organisation = try OrganisationPublicKey(parsing: try KeyFileStorage.read(path: home.organisationKeyPath),
                                                         fileName: home.organisationKeyPath)
            } else {
                throw CommandFailure("give --org with your organisation's org.pub the first time you log in")
            }
            let publicKey = try StaffCredentials.loadPublic(home: home, name: name)
            let secret = try passphrase.obtain(prompt: "Passphrase for \(publicKey.name): ")
            let credentials = try StaffCredentials.load(home: home, name: publicKey.name.text, passphrase: secret)
            let session = try await StaffSession.open(relay: relay, credentials: credentials, organisation: organisation)
            try KeyFileStorage.writeAtomically(organisation.fileBytes, to: home.organisationKeyPath, permissions: 0o644, replacing: true)
            try ClientSettings(relay: relay, name: credentials.name.text).save(home: home)
            let replica = LocalReplica(directory: home.replicaPath)
            let copied = try await session.sync(into: replica)
            await replica.close()
            await session.close()
            let role = session.keyring.member(signKey: credentials.signing.publicKey)?.role.rawValue ?? "?"
            print("logged in to \(relay) as \(credentials.name) (\(role)); \(copied) new events copied to the local replica")
        }
    }
}
