import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachCore
import NetreachRelay
import Sodium
import Testing

@Suite("Relay: the visitor page's files and deployment settings over HTTP")
struct WebPageHTTPTests {
    static func get(_ url: String) async throws -> (HTTPURLResponse, Data) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return (response as! HTTPURLResponse, data)
    }

    @Test("the page and its files are served with their content types, the strict headers and no cookie",
          arguments: [("/", "text/html; charset=utf-8"), ("/static/app.js", "text/javascript; charset=utf-8"),
                      ("/static/strings.js", "text/javascript; charset=utf-8"), ("/static/style.css", "text/css; charset=utf-8"),
                      ("/static/nacl-fast.min.js", "text/javascript; charset=utf-8"), ("/favicon.ico", "image/x-icon"),
                      ("/static/favicon.ico", "image/x-icon"), ("/static/wordlist-en.txt", "text/plain; charset=utf-8"),
                      ("/static/wordlist-es.txt", "text/plain; charset=utf-8"), ("/static/strings-bg.js", "text/javascript; charset=utf-8"),
                      ("/v1/deployment", "application/json")])
    func served(path: String, type: String) async throws {
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
            let (response, data) = try await Self.get(relay.httpBase + path)
            #expect(response.statusCode == 200)
            #expect(response.value(forHTTPHeaderField: "Content-Type") == type)
            #expect(response.value(forHTTPHeaderField: "Content-Security-Policy")?.hasPrefix("default-src 'self'") == true)
            #expect(response.value(forHTTPHeaderField: "Cache-Control") == "no-store")
            #expect(response.value(forHTTPHeaderField: "Referrer-Policy") == "no-referrer")
            #expect(response.value(forHTTPHeaderField: "Set-Cookie") == nil)
            #expect(!data.isEmpty)
        }
    }

    @Test("the word lists and tweetnacl are the very files Debian ships")
    func sameFiles() async throws {
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
            let (_, words) = try await Self.get(relay.httpBase + "/static/wordlist-en.txt")
            #expect(words == FileManager.default.contents(atPath: WordList.debianPath))
            let (_, spanish) = try await Self.get(relay.httpBase + "/static/wordlist-es.txt")
            #expect(spanish == FileManager.default.contents(atPath: WebConfiguration.debianSpanishWordList))
            let (_, nacl) = try await Self.get(relay.httpBase + "/static/nacl-fast.min.js")
            #expect(nacl == FileManager.default.contents(atPath: "/usr/share/nodejs/tweetnacl/nacl-fast.min.js"))
        }
    }

    @Test("nothing outside the page's own files is served", arguments: [
        "/static/../Package.swift", "/static/%2e%2e%2fPackage.swift", "/static/..%2FPackage.swift", "/static/vendor/nacl-fast.min.js",
        "/static/index.html", "/static/", "/static/.gitignore", "/static/app.js.bak", "/static/APP.JS", "/index.html", "/Web/app.js",
    ])
    func refused(path: String) async throws {
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
            let (response, _) = try await Self.get(relay.httpBase + path)
            #expect(response.statusCode == 404)
        }
    }

    @Test("the deployment settings carry the quick-exit address, numbers, hours, duty and the organisation key")
    func deploymentSettings() async throws {
        let deployment = try Deployment()
        let settings = try VisitorPageSettings(json: Data(VisitorPageSettings.demoJSON.utf8), file: "demo")
        try await withTestRelay(directory: try deployment.keyring(), web: WebConfiguration(settings: settings)) { relay in
            let (_, data) = try await Self.get(relay.httpBase + "/v1/deployment")
            let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(fields["quickExitURL"] as? String == "https://www.bbc.co.uk/weather")
            #expect(fields["answerMinutes"] as? Int == 20)
            #expect(fields["organisationKey"] as? String == Base64URL.encode(deployment.organisation.signKey.bytes))
            #expect((fields["emergencyNumbers"] as? [[String: String]])?.first?["number"] == "999")
            #expect(fields["onDuty"] is Bool)
            let hours = try #require(fields["openingHours"] as? [String: Any])
            #expect(hours["timeZone"] as? String == "Europe/London")
            #expect((hours["sessions"] as? [Any])?.count == 2)
        }
    }

    @Test("without a schedule the page is told neither on nor off duty")
    func noSchedule() async throws {
        try await withTestRelay(directory: try Deployment().keyring()) { relay in
            let (_, data) = try await Self.get(relay.httpBase + "/v1/deployment")
            let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(fields["onDuty"] is NSNull)
            #expect(fields["quickExitURL"] as? String == VisitorPageSettings.defaultQuickExitURL)
        }
    }

    @Test("a web folder without tweetnacl answers 503 and stops a real relay from starting")
    func incompleteFolder() async throws {
        let folder = NSTemporaryDirectory() + "netreach-web-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("<!doctype html>".utf8).write(to: URL(fileURLWithPath: folder + "/index.html"))
        let deployment = try Deployment()
        // No tweetnacl in the folder and none where Debian's node-tweetnacl would put it.
        let web = WebConfiguration(directory: folder, tweetnaclPath: folder + "/absent/nacl-fast.min.js")
        try await withTestRelay(directory: try deployment.keyring(), web: web) { relay in
            let (response, _) = try await Self.get(relay.httpBase + "/")
            #expect(response.statusCode == 503)
        }
        #expect {
            try RelayLauncher.checkWebPage(web, organisationKey: deployment.organisation.signKey)
        } throws: { error in
            "\(error)".contains("nacl-fast.min.js is missing") && "\(error)".contains("ops/install")
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    @Test("a web folder without vendor/ (the Debian package's layout) serves Debian's node-tweetnacl")
    func installedLayoutUsesDebianTweetnacl() async throws {
        let folder = NSTemporaryDirectory() + "netreach-web-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in try FileManager.default.contentsOfDirectory(atPath: WebConfiguration.sourceDirectory) where name != "vendor" {
            try FileManager.default.copyItem(atPath: WebConfiguration.sourceDirectory + "/" + name, toPath: folder + "/" + name)
        }
        let deployment = try Deployment()
        let web = WebConfiguration(directory: folder)
        try RelayLauncher.checkWebPage(web, organisationKey: deployment.organisation.signKey)
        try await withTestRelay(directory: try deployment.keyring(), web: web) { relay in
            let (response, nacl) = try await Self.get(relay.httpBase + "/static/nacl-fast.min.js")
            #expect(response.statusCode == 200)
            #expect(nacl == FileManager.default.contents(atPath: WebConfiguration.debianTweetnacl))
        }
    }

    @Test("a pinned organisation key that is not the keyring's stops the relay")
    func pinnedKeyMismatch() throws {
        let deployment = try Deployment()
        let web = WebConfiguration(settings: try VisitorPageSettings(organisationKey: SigningKeyPair.generate().publicKey))
        #expect(throws: RelayConfiguration.Error.self) { try RelayLauncher.checkWebPage(web, organisationKey: deployment.organisation.signKey) }
    }

    @Test("bad web configuration files are refused with a message naming the problem", arguments: [
        (#"[]"#, "not a JSON object"),
        (#"{"quickExitUrl": "https://example.org"}"#, "unknown field 'quickExitUrl'"),
        (#"{"quickExitURL": "javascript:alert(1)"}"#, "not an http or https address"),
        (#"{"quickExitURL": "https://"}"#, "not an http or https address"),
        (#"{"answerMinutes": 0}"#, "answerMinutes must be 1…10080"),
        (#"{"answerMinutes": "soon"}"#, "answerMinutes must be a whole number"),
        (#"{"answerMinutes": true}"#, "answerMinutes must be a whole number"),
        (#"{"emergencyNumbers": [{"label": "Police", "number": "call 999"}]}"#, "may hold only digits"),
        (#"{"emergencyNumbers": [{"label": "", "number": "999"}]}"#, "label must be 1–80 characters"),
        (#"{"openingHours": {"timeZone": "Mars/Olympus", "sessions": []}}"#, "not a time zone name"),
        (#"{"openingHours": {"timeZone": "UTC", "sessions": [{"days": ["monday"], "opens": "10:00", "closes": "18:00"}]}}"#, "'monday' is not a day"),
        (#"{"openingHours": {"timeZone": "UTC", "sessions": [{"days": ["mon"], "opens": "25:00", "closes": "18:00"}]}}"#, "opening time '25:00'"),
        (#"{"openingHours": {"timeZone": "UTC", "sessions": [{"days": ["mon"], "opens": "10:00", "closes": "6pm"}]}}"#, "closing time '6pm'"),
        (#"{"openingHours": {"timeZone": "UTC", "sessions": [{"days": [], "opens": "10:00", "closes": "18:00"}]}}"#, "names no days"),
        (#"{"organisationKey": "not-a-key"}"#, "organisationKey must be"),
    ])
    func badConfiguration(json: String, message: String) {
        #expect {
            try VisitorPageSettings(json: Data(json.utf8), file: "web.json")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("web.json: ") && text.contains(message)
        }
    }

    @Test("opening hours: weekdays in the deployment's time zone, and night sessions past midnight")
    func openingHours() throws {
        let hours = try OpeningHours(timeZone: "Europe/London", sessions: [
            try .init(days: [.mon, .tue, .wed, .thu, .fri], opens: "10:00", closes: "18:00"),
            try .init(days: [.fri], opens: "21:00", closes: "02:00"),
        ])
        func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        #expect(hours.isOpen(at: at("2026-11-23T09:59:00Z")) == false)   // Monday 09:59 in London (GMT)
        #expect(hours.isOpen(at: at("2026-11-23T10:00:00Z")) == true)
        #expect(hours.isOpen(at: at("2026-11-23T18:00:00Z")) == false)
        #expect(hours.isOpen(at: at("2026-11-27T22:00:00Z")) == true)    // Friday night
        #expect(hours.isOpen(at: at("2026-11-28T01:59:00Z")) == true)    // Saturday 01:59, Friday's session
        #expect(hours.isOpen(at: at("2026-11-28T02:00:00Z")) == false)
        #expect(hours.isOpen(at: at("2026-11-29T01:00:00Z")) == false)   // Sunday 01:00: Saturday has no night session
        #expect(hours.isOpen(at: at("2026-07-06T09:30:00Z")) == true)    // Monday 10:30 in London (BST)
        #expect(OpeningHours.unset.isOpen(at: Date()) == nil)
    }
}
