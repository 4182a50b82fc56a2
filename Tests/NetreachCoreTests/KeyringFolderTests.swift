import Foundation
import NetreachCore
import Testing

@Suite("Keyring folders on disk")
struct KeyringFolderTests {
    @Test("a stray file in staff/ or revoked/ refuses the keyring", arguments: [
        "staff/alice.cert.bak", "staff/.hidden.cert", "staff/README", "revoked/old.txt",
    ])
    func strayFile(name: String) throws {
        let directory = try KeyringTests.folder(certificates: [KeyringTests.alice])
        try directory.write(Array("x\n".utf8), to: name)
        let error = KeyringTests.refusal(directory)
        #expect(error?.code == .unexpectedFile)
        #expect(error?.file == directory.file(name))
    }

    @Test("a folder named like a certificate refuses the keyring")
    func folderAsCertificate() throws {
        let directory = try KeyringTests.folder(certificates: [KeyringTests.alice])
        try FileManager.default.createDirectory(atPath: directory.file("staff/bob.cert"), withIntermediateDirectories: true)
        #expect(KeyringTests.refusal(directory)?.code == .unexpectedFile)
    }

    @Test("a keyring without org.pub is refused, naming it")
    func missingOrganisation() throws {
        let directory = try KeyringTests.folder(certificates: [KeyringTests.alice])
        try FileManager.default.removeItem(atPath: directory.file("org.pub"))
        let error = KeyringTests.refusal(directory)
        #expect(error?.code == .ioError)
        #expect(error?.file == directory.file("org.pub"))
    }

    @Test("a certificate longer than 4 096 bytes is refused before it is parsed")
    func oversizedCertificate() throws {
        let directory = try KeyringTests.folder(certificates: [])
        try directory.write(KeyringTests.alice.fileBytes + [UInt8](repeating: 0x41, count: 4096), to: "staff/alice.cert")
        let error = KeyringTests.refusal(directory)
        #expect(error?.code == .fileTooLarge)
        #expect(error?.file == directory.file("staff/alice.cert"))
    }

    @Test("a certificate with CRLF line ends refuses the keyring, naming the file and line")
    func crlfCertificate() throws {
        let directory = try KeyringTests.folder(certificates: [KeyringTests.alice])
        try directory.write(replacing("\n", with: "\r\n", in: KeyringTests.bob.fileBytes), to: "staff/bob.cert")
        let error = KeyringTests.refusal(directory)
        #expect(error?.code == .malformedText)
        #expect(error?.file == directory.file("staff/bob.cert"))
        #expect(error?.line == 1)
    }
}
