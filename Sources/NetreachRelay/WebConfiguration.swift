import Foundation
public import NetreachCore

/// Where the visitor web page's files come from and what it tells visitors (docs/WEB.md).
public struct WebConfiguration: Sendable, Hashable {
    /// The folder holding index.html, the scripts, style.css and `vendor/nacl-fast.min.js`.
    public var directory: String
    /// The BIP39 English list that phrases are written in, served as `/static/wordlist-en.txt`.
    public var wordListPath: String
    /// The BIP39 Spanish list, served as `/static/wordlist-es.txt`: the page writes a Spanish
    /// visitor's phrase in it and reads a phrase in either list (docs/WEB.md, "Languages").
    public var spanishWordListPath: String
    public var settings: VisitorPageSettings
    /// The partner services shown as "Other services that can help" (`--referrals FILE`).
    public var referrals: ReferralDirectory

    public init(directory: String = WebConfiguration.sourceDirectory, wordListPath: String = WebConfiguration.debianWordList,
                spanishWordListPath: String = WebConfiguration.debianSpanishWordList, settings: VisitorPageSettings = .standard, referrals: ReferralDirectory = .empty) {
        self.directory = directory
        self.wordListPath = wordListPath
        self.spanishWordListPath = spanishWordListPath
        self.settings = settings
        self.referrals = referrals
    }

    /// Where Debian's python3-mnemonic puts the list (`WordList.debianPath`).
    public static let debianWordList = WordList.debianPath
    /// The Spanish list from the same package. Only the page uses it; staff tools never read a phrase.
    public static let debianSpanishWordList = "/usr/lib/python3/dist-packages/mnemonic/wordlist/spanish.txt"

    /// `Sources/NetreachRelay/Web` in the tree this relay was built from: right for `ops/run`,
    /// `swift test` and a clone after `ops/install`; an installed relay passes `--web-dir`.
    public static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Web").path
}
