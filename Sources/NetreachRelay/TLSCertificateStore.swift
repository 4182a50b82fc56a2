public import Foundation
import NIOSSL
import Synchronization

/// Why a certificate and key were refused (at start, or on a reload that keeps the previous pair).
public struct TLSCertificateError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The file could not be read (missing, permissions).
        case unreadable
        /// The certificate file holds no PEM certificate that parses.
        case badCertificate
        /// The key file holds no PEM private key that parses.
        case badKey
        /// The key is not the certificate's, or BoringSSL refused the pair for another reason.
        case refusedPair
    }

    public let code: Code
    /// The file concerned: a path, never its contents.
    public let path: String
    public let message: String

    public var description: String { "\(path): \(message)" }
}

/// The TLS certificate and key a relay serves, read from their files, and replaceable while the
/// relay runs: every new connection takes the context current when it is accepted, and a
/// connection already open keeps the one it started with (so a reload drops no chat).
///
/// A pair is swapped in only when both files read, parse and belong together; otherwise the one
/// in force stays.
public final class TLSCertificateStore: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let current: Mutex<(context: NIOSSLContext, served: Served)>

    /// What a log line may say about the certificate in force: public facts, never key material.
    public struct Served: Hashable, Sendable {
        /// The leaf certificate's serial number, in hexadecimal.
        public let serial: String
        public let notValidAfter: Date
    }

    /// Reads the pair; a relay whose certificate does not load does not start.
    public init(certificatePath: String, keyPath: String) throws(TLSCertificateError) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        current = Mutex(try Self.load(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// The context for a connection being accepted now.
    var context: NIOSSLContext { current.withLock { $0.context } }

    /// The certificate new connections are served.
    public var served: Served { current.withLock { $0.served } }

    /// Reads the files again and serves the new pair to new connections; on any error the
    /// previous pair stays in force and the error is thrown.
    @discardableResult
    public func reload() throws(TLSCertificateError) -> Served {
        let fresh = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
        current.withLock { $0 = fresh }
        return fresh.served
    }

    static func load(certificatePath: String, keyPath: String) throws(TLSCertificateError) -> (context: NIOSSLContext, served: Served) {
        let certificateBytes = try read(certificatePath, what: "certificate")
        let keyBytes = try read(keyPath, what: "private key")
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMBytes(certificateBytes) } catch {
            throw TLSCertificateError(code: .badCertificate, path: certificatePath, message: "not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else {
            throw TLSCertificateError(code: .badCertificate, path: certificatePath, message: "holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) } catch {
            // The error names BoringSSL's reason only: never a byte of the key.
            throw TLSCertificateError(code: .badKey, path: keyPath, message: "not a PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                    privateKey: .privateKey(key))
        let served = Served(serial: chain[0].serialNumber.map { String(format: "%02x", $0) }.joined(),
                            notValidAfter: Date(timeIntervalSince1970: TimeInterval(chain[0].notValidAfter)))
        do { return (try NIOSSLContext(configuration: configuration), served) } catch {
            throw TLSCertificateError(code: .refusedPair, path: keyPath,
                                      message: "refused with the certificate \(certificatePath); is it that certificate's key? (\(error))")
        }
    }

    private static func read(_ path: String, what: String) throws(TLSCertificateError) -> [UInt8] {
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw TLSCertificateError(code: .unreadable, path: path, message: "cannot read the TLS \(what): \(reason)")
        }
    }
}
