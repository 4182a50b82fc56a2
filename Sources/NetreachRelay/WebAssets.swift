import Foundation
import NIOCore
import NetreachCore

/// The visitor page's files, read once when the relay starts. Only the names found then are ever
/// served, from memory, so no request path can reach another file (there is nothing to traverse).
struct WebAssets: Sendable {
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
    }

    /// The page itself, served at `/`.
    let index: Asset?
    /// Everything under `/static/<name>`.
    let files: [String: Asset]
    /// What is missing or wrong; a relay with any problem does not start (`RelayLauncher`).
    let problems: [String]

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "ico": "image/x-icon", "png": "image/png", "svg": "image/svg+xml", "txt": "text/plain; charset=utf-8",
        "json": "application/json",
    ]
    /// The files the page cannot work without.
    static let required = ["strings.js", "style.css", "favicon.ico", "nacl-fast.min.js"]
    static let wordListName = "wordlist-en.txt"
    static let spanishWordListName = "wordlist-es.txt"

    static func load(_ configuration: WebConfiguration) -> WebAssets {
        var problems: [String] = []
        var files: [String: Asset] = [:]
        let directory = configuration.directory
        for folder in [directory, directory + "/vendor"] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                // A missing vendor folder is reported below, as the missing tweetnacl it should hold.
                if folder == directory { problems.append("cannot read the web folder \(folder)") }
                continue
            }
            for name in names.sorted() where isServable(name) && name != "index.html" {
                guard let asset = read(folder + "/" + name, name: name) else {
                    problems.append("cannot read \(folder)/\(name)")
                    continue
                }
                files[name] = asset
            }
        }
        if files["nacl-fast.min.js"] == nil, let tweetnacl = read(configuration.tweetnaclPath, name: "nacl-fast.min.js") {
            files["nacl-fast.min.js"] = tweetnacl
        }
        let index = read(directory + "/index.html", name: "index.html")
        if index == nil { problems.append("\(directory)/index.html is missing") }
        for name in required where files[name] == nil {
            problems.append("\(name) is missing from \(directory)"
                + (name == "nacl-fast.min.js"
                    ? "/vendor and \(configuration.tweetnaclPath) (install Debian's node-tweetnacl; in a source tree ops/install copies it to vendor/)"
                    : ""))
        }
        do {
            let text = try String(contentsOfFile: configuration.wordListPath, encoding: .utf8)
            _ = try WordList(text: text)
            files[wordListName] = Asset(bytes: ByteBuffer(string: text), contentType: contentTypes["txt"]!)
        } catch {
            problems.append("the word list \(configuration.wordListPath) cannot be served: \(error)")
        }
        if let data = FileManager.default.contents(atPath: configuration.spanishWordListPath),
           let text = String(data: data, encoding: .utf8), Set(text.split(separator: "\n")).count == 2048 {
            // Accented words are not plain a-z, so WordList (the staff side's English reader) cannot
            // check this one; the page refuses a list that is not 2 048 words unique without accents.
            files[spanishWordListName] = Asset(bytes: ByteBuffer(bytes: data), contentType: contentTypes["txt"]!)
        } else {
            problems.append("the word list \(configuration.spanishWordListPath) cannot be served: it is missing or not 2048 distinct words")
        }
        return WebAssets(index: index, files: files, problems: problems)
    }

    /// A plain lower-case file name with a known extension: never a dot file, a backup or a folder.
    static func isServable(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), contentTypes[String(name[name.index(after: dot)...])] != nil else {
            return false
        }
        return !name.hasPrefix(".") && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) }
    }

    private static func read(_ path: String, name: String) -> Asset? {
        guard let data = FileManager.default.contents(atPath: path),
              let type = name.split(separator: ".").last.flatMap({ contentTypes[String($0)] }) else { return nil }
        return Asset(bytes: ByteBuffer(bytes: data), contentType: type)
    }
}
