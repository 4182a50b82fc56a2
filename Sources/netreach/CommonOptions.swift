import ArgumentParser
import Foundation
import NetreachClient
import NetreachCommandLine
import NetreachCore
import Sodium

/// `--passphrase-file`, shared by every command that opens a private key.
struct PassphraseOptions: ParsableArguments {
    @Option(help: "A file holding the passphrase (otherwise NETREACH_PASSPHRASE, otherwise a prompt with echo off).")
    var passphraseFile: String?

    func obtain(prompt: String, isNew: Bool = false) throws -> SecureBytes {
        do {
            return try Passphrase.obtain(file: passphraseFile, environment: ProcessInfo.processInfo.environment, prompt: prompt,
                                         isNew: isNew)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// The Argon2id cost of a new private key file (docs/KEYS.md).
enum KDFStrength: String, ExpressibleByArgument, CaseIterable {
    case interactive, moderate, sensitive

    var limits: PasswordHash.Limits {
        switch self {
        case .interactive: .interactive
        case .moderate: .moderate
        case .sensitive: .sensitive
        }
    }
}

/// The folder this command works in.
func netreachHome() throws -> NetreachHome {
    do {
        return try NetreachHome(environment: ProcessInfo.processInfo.environment)
    } catch {
        throw CommandFailure(error.message)
    }
}

/// A failure the user can act on: printed as `netreach: MESSAGE` on standard error, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The command line named something that is not there (a staff name the keyring does not hold):
/// printed as `netreach: MESSAGE` on standard error, exit 2, without the usage text.
struct UsageFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning every typed error into a clear message and exit status 1 (2 for an id that
/// names no single conversation or incident: the command line was wrong).
func failing<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch WorkError.badID(let message) {
        printToStandardError("netreach: \(what): \(message)")
        throw ExitCode(2)
    } catch let error as UsageFailure {
        printToStandardError("netreach: \(what): \(error.description)")
        throw ExitCode(2)
    } catch let error as CommandFailure {
        printToStandardError("netreach: \(error.description)")
        throw ExitCode.failure
    } catch let error as KeyError {
        printToStandardError("netreach: \(what): \(error)")
        throw ExitCode.failure
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printToStandardError("netreach: \(what): \(error)")
        throw ExitCode.failure
    }
}
