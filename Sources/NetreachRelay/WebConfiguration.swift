import Foundation
public import NetreachCore

/// Where the visitor web page's files come from and what it tells visitors (docs/WEB.md).
public struct WebConfiguration: Sendable, Hashable {
    /// The folder holding index.html, the scripts, style.css and (from a source tree) `vendor/nacl-fast.min.js`.
    public var directory: String
    /// Where tweetnacl is read from when `directory` has no `vendor/nacl-fast.min.js` (an installed relay:
    /// the Debian package depends on node-tweetnacl rather than carrying a copy).
    public var tweetnaclPath: String
    /// The BIP39 English list that phrases are written in, served as `/static/wordlist-en.txt`.
    public var wordListPath: String
    /// The BIP39 Spanish list, served as `/static/wordlist-es.txt`: the page writes a Spanish
    /// visitor's phrase in it and reads a phrase in either list (docs/WEB.md, "Languages").
    public var spanishWordListPath: String
    public var settings: VisitorPageSettings
    /// The partner services shown as "Other services that can help" (`--referrals FILE`).
    public var referrals: ReferralDirectory

    public init(directory: String = WebConfiguration.defaultDirectory, wordListPath: String = WebConfiguration.debianWordList,
                spanishWordListPath: String = WebConfiguration.debianSpanishWordList, tweetnaclPath: String = WebConfiguration.debianTweetnacl,
                settings: VisitorPageSettings = .standard, referrals: ReferralDirectory = .empty) {
        self.directory = directory
        self.tweetnaclPath = tweetnaclPath
        self.wordListPath = wordListPath
        self.spanishWordListPath = spanishWordListPath
        self.settings = settings
        self.referrals = referrals
    }

    /// Where Debian's python3-mnemonic puts the list (`WordList.debianPath`).
    public static let debianWordList = WordList.debianPath
    /// The Spanish list from the same package. Only the page uses it; staff tools never read a phrase.
    public static let debianSpanishWordList = "/usr/lib/python3/dist-packages/mnemonic/wordlist/spanish.txt"

    /// Where Debian's node-tweetnacl puts the minified script.
    public static let debianTweetnacl = "/usr/share/nodejs/tweetnacl/nacl-fast.min.js"

    /// `Sources/NetreachRelay/Web` in the tree this relay was built from: right for `ops/run`,
    /// `swift test` and a clone after `ops/install`.
    public static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Web").path

    /// The folder an installed relay finds the page in: `../share/netreach/web` from the running
    /// executable, which for the Debian package's /usr/bin/netreach-relay is /usr/share/netreach/web.
    public static var installedDirectory: String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/netreach/web").path
    }

    /// The installed folder when it exists, otherwise the source tree's.
    public static var defaultDirectory: String {
        var isDirectory: ObjCBool = false
        if let installed = installedDirectory, FileManager.default.fileExists(atPath: installed, isDirectory: &isDirectory),
           isDirectory.boolValue {
            return installed
        }
        return sourceDirectory
    }
}
