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

    /// Runs the executable on a thread of its own: waiting for a child process must not hold one of
    /// the few threads that all the concurrently running tests share.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        try await offThePool { try runBlocking(name, arguments, environment: environment) }
    }

    static func runBlocking(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                       standardError: String(decoding: errData, as: UTF8.self))
    }
}

/// Runs blocking work (waiting for a process, reading a pipe) on a new thread, not the shared pool.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
