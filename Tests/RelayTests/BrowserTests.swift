import ChildProcess
import Foundation
import Hummingbird
import NIOCore
import NetreachCore
import NetreachRelay
import Sodium
import Testing

/// The visitor web page, run for real: its JavaScript under node against the protocol's worked
/// example and the Ugly Mugs known answers, and the whole page in headless Chromium
/// (Tests/RelayTests/Fixtures/browser_visitor.py, and browser_incidents.py in
/// BrowserTests+Incidents.swift) against a real relay, with this test playing the staff member.
@Suite("Visitor web page: its JavaScript, and a visitor in headless Chromium", .serialized)
struct BrowserTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// Screenshots for a person to look at (git-ignored).
    static let screenshots = repository.appendingPathComponent("screenshots/web").path

    @Test("the page's JavaScript reproduces the protocol's worked example, checks the PyNaCl keyring, and meets the incident known answers")
    func javaScriptKnownAnswers() async throws {
        let result = try await ChildProcess.run("/usr/bin/env", ["node", Self.fixtures.appendingPathComponent("web_protocol_check.js").path,
                                                                Self.repository.path], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(result.output.contains(" passed, 0 failed"), "\(result.output)")
    }

    @Test("every language's table has English's keys, placeholders and its plural forms, and Spanish phrases read back with or without accents")
    func languageTables() async throws {
        let result = try await ChildProcess.run("/usr/bin/env", ["node", Self.fixtures.appendingPathComponent("web_language_check.js").path,
                                                                Self.repository.path], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(result.output.contains(" passed, 0 failed"), "\(result.output)")
    }

    @Test("a visitor starts a chat, gets the reply, resumes by phrase, rides out a relay restart, and leaves by Quick exit")
    func visitorInChromium() async throws {
        let deployment = try Deployment()
        let sam = deployment.member("sam"), alex = deployment.member("alex")
        let neutral = try await NeutralSite.start()
        let always = try OpeningHours.Session(days: OpeningHours.Day.allCases, opens: "00:00", closes: "24:00")
        let web = WebConfiguration(settings: try VisitorPageSettings(
            quickExitURL: neutral.url, emergencyNumbers: [.init(label: "Test emergency line", number: "999")],
            openingHours: try OpeningHours(timeZone: "UTC", sessions: [always]), answerMinutes: 15))
        let keyring = try deployment.keyring()
        var relay = try await TestRelay.onRestartablePort { try await TestRelay(directory: keyring, powBits: 12, web: web, port: $0) }
        let port = relay.port, dataDirectory = relay.dataDirectory

        var staff = try await Self.staffConnection(relay, sam, from: 0)
        let browser = try ChildProcess("/usr/bin/python3", [Self.fixtures.appendingPathComponent("browser_visitor.py").path,
                                                             relay.httpBase, neutral.url, Self.screenshots])
        var keys: [ConversationID: SecureBytes] = [:]
        var lastPosition = -1
        var heard: [String] = []
        var feedback: [VisitorFeedback] = []
        let deadline = ContinuousClock.now + .seconds(300)
        while browser.isRunning, ContinuousClock.now < deadline {
            guard let message = await staff.next("event", timeout: .milliseconds(300)),
                  let position = message["position"] as? Int, position > lastPosition else { continue }
            lastPosition = position
            let event = try Event(bytes: Base64URL.decode(try #require(message["event"] as? String)))
            if event.kind == .conversationOpened {
                // The page wrapped the key to every active staff member and to the visitor itself.
                let content = try ConversationOpened(content: event.content)
                #expect(content.wraps.count == deployment.staff.count + 1)
                let forSam = try #require(content.wraps.first { $0.recipient == sam.keyID }).open(with: sam.box, from: content.visitorBoxKey)
                let forAlex = try #require(content.wraps.first { $0.recipient == alex.keyID }).open(with: alex.box, from: content.visitorBoxKey)
                #expect(forSam.copyBytes() == forAlex.copyBytes())
                keys[event.conversation] = forSam
                continue
            }
            if event.kind == .feedbackGiven {
                feedback.append(try VisitorFeedback(text: try SealedText.open(event.content, key: try #require(keys[event.conversation]))))
                continue
            }
            guard event.kind == .messagePosted, event.author != sam.signing.publicKey else { continue }
            let key = try #require(keys[event.conversation])
            let text = try SealedText.open(event.content, key: key)
            heard.append(text)
            let conversation = event.conversation
            switch text {
            case "Hello from the browser":
                try await Self.append(staff, .conversationClaimed, [], conversation, sam)
                try await Self.append(staff, .messagePosted, try SealedText.seal("Hi, I'm Sam. You're safe to talk.", key: key), conversation, sam)
            case "please close this chat":
                try await Self.append(staff, .conversationClaimed, [], conversation, sam)
                let staffKey = SecretBox.generateKey()
                let wraps = [sam, alex].map { Wrap(key: staffKey, to: $0.keyID, recipientKey: $0.box.publicKey, from: sam.box) }
                try await Self.append(staff, .keyWrapped, KeyWrapped(purpose: .staffKey, wraps: wraps).content, conversation, sam)
                try await Self.append(staff, .conversationClosed, try SealedText.seal("wrap-up: test close", key: staffKey), conversation, sam)
            case "please reply in the background":
                try await Task.sleep(for: .seconds(2))
                try await Self.append(staff, .messagePosted, try SealedText.seal("Here is my answer.", key: key), conversation, sam)
            case "please restart the relay":
                try await Task.sleep(for: .milliseconds(500))
                await staff.close()
                await relay.stop(keepingData: true)
                try await Task.sleep(for: .seconds(3))
                relay = try await TestRelay.restart(on: port) {
                    try await TestRelay(directory: keyring, powBits: 12, web: web, port: $0, dataDirectory: dataDirectory)
                }
                staff = try await Self.staffConnection(relay, sam, from: lastPosition + 1)
                try await Self.append(staff, .messagePosted, try SealedText.seal("We are back.", key: key), conversation, sam)
            default:
                break
            }
        }
        let result = await Self.finish(browser, script: "browser_visitor.py")
        #expect(result.status == 0, "browser_visitor.py exited \(result.status)")
        #expect(heard == ["Hello from the browser", "please restart the relay", "after the restart", "please reply in the background",
                          "please close this chat"])
        // The closed chat's feedback arrived once, sealed, with the two answers given and the one skipped.
        #expect(feedback == [try VisitorFeedback(helpful: .aLittle, safer: nil, helpedMost: .someoneToTalkTo)])

        await staff.close()
        let stored = relay.dataDirectoryBytes()
        for text in heard + ["Hi, I'm Sam. You're safe to talk.", "We are back.", "Here is my answer.", "netreach-feedback", "someone-to-talk-to"] {
            #expect(!contains(stored, Array(text.utf8)), "plaintext '\(text)' found in the data directory")
        }
        await relay.stop()
        await neutral.stop()
    }

    @Test("the page works for every visitor: large text and zoom, Quick exit first and without script, a phrase that is never kept, no false reassurance")
    func pageForEveryVisitor() async throws {
        let deployment = try Deployment()
        let neutral = try await NeutralSite.start()
        let web = WebConfiguration(settings: try VisitorPageSettings(
            quickExitURL: neutral.url, emergencyNumbers: [.init(label: "Test emergency line", number: "999")], answerMinutes: 15))
        let relay = try await TestRelay(directory: try deployment.keyring(), powBits: 12, web: web)
        let browser = try ChildProcess("/usr/bin/python3", [Self.fixtures.appendingPathComponent("browser_page.py").path,
                                                             relay.httpBase, neutral.url, Self.screenshots])
        let deadline = ContinuousClock.now + .seconds(300)
        while browser.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
        }
        let result = await Self.finish(browser, script: "browser_page.py")
        #expect(result.status == 0, "browser_page.py exited \(result.status)")
        await relay.stop()
        await neutral.stop()
    }

    /// Stops the browser script, records each of its checks as an expectation, and requires its summary line.
    static func finish(_ browser: ChildProcess, script: String) async -> ChildProcess.Outcome {
        browser.send(SIGTERM)
        let result = await browser.finish(timeout: .seconds(30))
        var summary = false
        for line in result.output.split(separator: "\n") {
            guard let fields = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            if let name = fields["check"] as? String {
                #expect(fields["ok"] as? Bool == true, "\(name): \(fields["detail"] ?? "")")
            } else if fields["summary"] != nil {
                summary = true
            }
        }
        #expect(summary, "\(script) did not finish: \(result.errors.suffix(3000))")
        if result.status != 0 { print("\(script) said:\n\(result.output)") }
        return result
    }

    static func staffConnection(_ relay: TestRelay, _ member: Deployment.Staff, from: Int) async throws -> TestClient {
        let client = try await TestClient(url: relay.webSocketURL, helloTimeout: testHelloTimeout)
        guard await client.authenticate(member.signing, role: .staff)?["t"] as? String == "ready" else {
            throw TestFailure("staff could not authenticate")
        }
        client.send(["t": "subscribe", "from": from])
        return client
    }

    static func append(_ client: TestClient, _ kind: EventKind, _ content: [UInt8], _ conversation: ConversationID,
                       _ member: Deployment.Staff) async throws {
        let event = try Event(kind: kind, conversation: conversation, clientTimeMilliseconds: 0, content: content, signer: member.signing)
        let answer = await client.append(event)
        guard answer?["t"] as? String == "ack" else { throw TestFailure("staff \(kind.name) was refused: \(answer?.text ?? "no answer")") }
    }
}

/// A stand-in for the neutral site Quick exit goes to, on loopback so the test needs no internet.
/// It says whether the browser sent a Referer (the page's policy is no-referrer).
struct NeutralSite {
    let url: String
    private let server: Task<Void, any Error>

    static func start() async throws -> NeutralSite {
        let router = Router()
        router.get("/weather") { request, _ -> Response in
            let referrer = request.headers.first { $0.name.canonicalName == "referer" }?.value ?? "none"
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "Weather today: sunny.\nreferrer: \(referrer)\n")))
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { sink.yield($0.localAddress?.port ?? 0) })
        let server = Task {
            defer { sink.finish() }  // a server that cannot start ends the wait for its port
            try await application.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the neutral site did not start") }
        return NeutralSite(url: "http://127.0.0.1:\(port)/weather", server: server)
    }

    func stop() async {
        server.cancel()
        _ = try? await server.value
    }
}
