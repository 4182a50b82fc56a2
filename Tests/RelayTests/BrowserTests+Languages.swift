import ChildProcess
import EventLog
import Foundation
import NetreachCore
import NetreachRelay
import Testing

extension BrowserTests {
    @Test("the page speaks the visitor's language, offers a Spanish phrase that opens typed without accents, and every screen passes the accessibility tree and contrast checks")
    func languagesAndAccessibility() async throws {
        let (outcome, languages) = try await Self.runLanguageScript([])
        #expect(outcome.status == 0, "browser_language.py exited \(outcome.status)")
        // The chat the Spanish phone started carries es, sealed: staff open it with the conversation key.
        #expect(languages.contains(try VisitorLanguage("es")), "languages in the openings: \(languages)")
    }

    /// Only for `ops/screenshots`, which sets NETREACH_SCREENSHOTS to the folder to write into.
    @Test("screenshots of every screen at text 200 % in English and Bulgarian",
          .enabled(if: ProcessInfo.processInfo.environment["NETREACH_SCREENSHOTS"] != nil))
    func languageScreenshots() async throws {
        let folder = ProcessInfo.processInfo.environment["NETREACH_SCREENSHOTS"] ?? ""
        let (outcome, _) = try await Self.runLanguageScript(["--screenshots", folder])
        #expect(outcome.status == 0, "browser_language.py --screenshots exited \(outcome.status)")
    }

    /// Starts a relay and a neutral page, and runs Fixtures/browser_language.py against them; also
    /// returns the language of each conversation.opened the relay stored, as sam opens it.
    static func runLanguageScript(_ extra: [String]) async throws -> (ChildProcess.Outcome, [VisitorLanguage]) {
        let deployment = try Deployment()
        let neutral = try await NeutralSite.start()
        let web = WebConfiguration(settings: try VisitorPageSettings(
            quickExitURL: neutral.url, emergencyNumbers: [.init(label: "Test emergency line", number: "999")], answerMinutes: 15))
        let relay = try await TestRelay(directory: try deployment.keyring(), powBits: 12, web: web)
        let browser = try ChildProcess("/usr/bin/python3", [fixtures.appendingPathComponent("browser_language.py").path,
                                                             relay.httpBase, neutral.url] + extra)
        let deadline = ContinuousClock.now + .seconds(300)
        while browser.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
        }
        let result = await finish(browser, script: "browser_language.py")
        var languages: [VisitorLanguage] = []
        let sam = deployment.member("sam")
        for record in (try? await relay.core.store.read(from: 0, maxCount: 100_000)) ?? [] where record.type.value == "conversation.opened" {
            guard let event = try? Event(bytes: record.payload), let content = try? ConversationOpened(content: event.content),
                  let wrap = content.wraps.first(where: { $0.recipient == sam.keyID }),
                  let key = try? wrap.open(with: sam.box, from: content.visitorBoxKey),
                  let language = try? content.language(conversationKey: key) else { continue }
            languages.append(language)
        }
        await relay.stop()
        await neutral.stop()
        return (result, languages)
    }
}
