public import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// A root command whose exit codes follow the house rule: 0 ok, 1 failure, 2 usage.
/// (swift-argument-parser's default for a usage error is 64.)
public protocol RootCommand: AsyncParsableCommand {}

extension RootCommand {
    public static func main() async {
        await runAsRoot()
    }

    /// Parses the arguments and runs the command they name: the body of `main()`, for a root
    /// command whose `main()` must do something first.
    public static func runAsRoot() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printToStandardError(fullMessage(for: error))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes a line to standard error (messages go there; data goes to standard output).
public func printToStandardError(_ message: String) { writeLine(message, to: 2) }

/// Writes a line to standard output at once, unbuffered (for lines other programs wait for).
public func printToStandardOutput(_ message: String) { writeLine(message, to: 1) }

/// write(2) on the descriptor rather than the C `stderr`/`stdout` globals, which strict concurrency rejects.
private func writeLine(_ message: String, to descriptor: Int32) {
    let line = message.hasSuffix("\n") ? message : message + "\n"
    let bytes = Array(line.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { return }
        offset += written
    }
}

/// How a command prints what it lists.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, csv
}
