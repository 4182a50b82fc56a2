import Foundation
public import NetreachCore

/// Where the visitor web page's files come from and what it tells visitors (docs/WEB.md).
public struct WebConfiguration: Sendable, Hashable {
    /// The folder holding index.html, the scripts, style.css and `vendor/nacl-fast.min.js`.
    public var directory: String
    /// The BIP39 English list that phrases are written in, served as `/static/wordlist-en.txt`.
    public var wordListPath: String
    public var settings: VisitorPageSettings
    /// The partner services shown as "Other services that can help" (`--referrals FILE`).
    public var referrals: ReferralDirectory

    public init(directory: String = WebConfiguration.sourceDirectory, wordListPath: String = WebConfiguration.debianWordList,
                settings: VisitorPageSettings = .standard, referrals: ReferralDirectory = .empty) {
        self.directory = directory
        self.wordListPath = wordListPath
        self.settings = settings
        self.referrals = referrals
    }

    /// Where Debian's python3-mnemonic puts the list (`WordList.debianPath`).
    public static let debianWordList = WordList.debianPath

    /// `Sources/NetreachRelay/Web` in the tree this relay was built from: right for `ops/run`,
    /// `swift test` and a clone after `ops/install`; an installed relay passes `--web-dir`.
    public static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Web").path
}
