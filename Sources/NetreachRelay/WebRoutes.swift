import Foundation
import Hummingbird
import Logging
import NIOCore
import NetreachCore
import Sodium

/// The visitor web page's routes (docs/WEB.md): `/` and `/static/<name>` from `WebAssets`, and
/// `/v1/deployment`, the deployment's settings as the page needs them. Everything goes through
/// `SecurityHeadersMiddleware`, so every answer has the strict CSP and `Cache-Control: no-store`
/// (not even the static files are kept: a cached copy would show that the phone visited).
enum WebRoutes {
    static func register(on router: Router<some RequestContext>, core: RelayCore, configuration: WebConfiguration,
                         logger: Logger) {
        let assets = WebAssets.load(configuration)
        if !assets.problems.isEmpty {
            logger.error("the visitor web page is incomplete", metadata: ["problems": "\(assets.problems.joined(separator: "; "))"])
        }
        router.get("/") { _, _ -> Response in
            guard let index = assets.index, assets.problems.isEmpty else {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "This page is not available right now.\n")))
            }
            return response(index)
        }
        router.get("/favicon.ico") { _, _ -> Response in
            guard let icon = assets.files["favicon.ico"] else { throw HTTPError(.notFound) }
            return response(icon)
        }
        router.get("/static/:file") { _, context -> Response in
            guard let name = context.parameters.get("file"), let asset = assets.files[name] else { throw HTTPError(.notFound) }
            return response(asset)
        }
        let settings = configuration.settings
        // The referral directory, public: what a visitor may read without starting a chat.
        let referrals = configuration.referrals.document
        router.get("/v1/referrals") { _, _ -> Response in RelayServer.json(referrals) }
        router.get("/v1/deployment") { _, _ -> Response in
            let document: [String: Any] = [
                "v": 1,
                "quickExitURL": settings.quickExitURL,
                "emergencyNumbers": settings.emergencyNumbers.map { ["label": $0.label, "number": $0.number] },
                "openingHours": settings.openingHours.json,
                "onDuty": settings.openingHours.isOpen(at: Date()).map { $0 as Any } ?? NSNull(),
                "answerMinutes": settings.answerMinutes,
                "organisationKey": organisationKey(settings: settings, directory: core.staffDirectory).map { $0 as Any } ?? NSNull(),
                "retention": retentionDocument(core.retention.policyInForce),
            ]
            let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// The policy in force as the page and clients show it: the days, and whether a supervisor signed it.
    static func retentionDocument(_ inForce: RetentionEngine.PolicyInForce) -> [String: Any] {
        [
            "messagesDays": inForce.policy.messagesDays, "incidentsDays": inForce.policy.incidentsDays,
            "alertsDays": inForce.policy.alertsDays,
            "keyPeriodDays": inForce.policy.keyPeriodDays.map { $0 as Any } ?? NSNull(),
            "signed": inForce.eventID != nil,
            "since": inForce.setAt.map { $0 as Any } ?? NSNull(),
        ]
    }

    /// The key the page verifies the keyring against: the one pinned in the settings, else the keyring's own.
    static func organisationKey(settings: VisitorPageSettings, directory: any StaffDirectory) -> String? {
        if let pinned = settings.organisationKey { return Base64URL.encode(pinned.bytes) }
        guard let text = directory.keyringDocument["org"] as? String,
              let organisation = try? OrganisationPublicKey(parsing: Array(text.utf8)) else { return nil }
        return Base64URL.encode(organisation.signKey.bytes)
    }

    private static func response(_ asset: WebAssets.Asset) -> Response {
        Response(status: .ok, headers: [.contentType: asset.contentType], body: .init(byteBuffer: asset.bytes))
    }
}
