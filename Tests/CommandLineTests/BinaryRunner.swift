import ChildProcess
import Foundation

/// Runs a built executable of this package and collects what it printed.
struct BinaryRunner {
    struct Outcome: Sendable {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// The folder of the built products: the test bundle lives beside the executables.
    static let productsDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("netreach-relay").path) { return url }
        }
        fatalError("cannot find the built netreach-relay next to \(CommandLine.arguments[0])")
    }()

    /// Runs the executable to its end, or kills it after `timeout`; waiting holds none of the
    /// threads that all the concurrently running tests share.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Duration = .seconds(120)) async throws -> Outcome {
        let outcome = try await ChildProcess.run(productsDirectory.appendingPathComponent(name).path, arguments,
                                                 environment: environment, timeout: timeout)
        if outcome.timedOut { throw HarnessError("\(name) \(arguments.first ?? "") did not finish in \(timeout): \(outcome.errors)") }
        return Outcome(status: outcome.status, standardOutput: outcome.output, standardError: outcome.errors)
    }
}
