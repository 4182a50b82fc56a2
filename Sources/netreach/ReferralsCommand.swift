import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetreachClient
import NetreachCommandLine
import NetreachCore

/// `netreach referrals [--need TOPIC] [--area TEXT]`
struct ReferralsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referrals",
        abstract: "List the partner services of the deployment's referral directory, by need and area.",
        discussion: """
            The directory is the file the relay was started with (--referrals); visitors see the same list in the \
            web page. The "referral" column is what to give netreach close --referral when you refer someone there. \
            Needs: \(WrapUp.Topic.allCases.map(\.name).joined(separator: ", ")).

            Example:
              netreach referrals --need housing --area leeds
            """
    )

    @Option(help: "Only services that help with this topic.") var need: String?
    @Option(help: "Only services whose area contains this text (any case).") var area: String?
    @Option(help: "table, json or csv.") var format: OutputFormat = .table

    func validate() throws {
        if let need, WrapUp.Topic(name: need) == nil {
            throw ValidationError("unknown need '\(need)'; the needs are: \(WrapUp.Topic.allCases.map(\.name).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await failing("referrals") {
            let settings = try ClientSettings.load(home: try netreachHome())
            var request = URLRequest(url: URL(string: settings.relay + "/v1/referrals")!)
            request.timeoutInterval = 10
            let data: Data
            do {
                let (body, response) = try await URLSession.shared.data(for: request)
                guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw CommandFailure("the relay at \(settings.relay) has no referral directory") }
                data = body
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure("cannot reach the relay at \(settings.relay): \(error.localizedDescription)")
            }
            guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let services = document["services"] as? [[String: Any]] else {
                throw CommandFailure("the relay's referral directory is malformed")
            }
            let rows: [[String]] = services.compactMap { service in
                guard let name = service["name"] as? String, let needs = service["helpsWith"] as? [String],
                      let place = service["area"] as? String, let contact = service["contact"] as? String,
                      let referral = service["referral"] as? String else { return nil }
                if let need, !needs.contains(need) { return nil }
                if let area, !place.lowercased().contains(area.lowercased()) { return nil }
                return [name, needs.joined(separator: " "), place, contact, service["hours"] as? String ?? "", referral]
            }
            printTable(header: ["name", "helps with", "area", "contact", "hours", "referral"], rows: rows, format: format)
        }
    }
}
