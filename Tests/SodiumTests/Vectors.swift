import Foundation
import Sodium
import Testing

/// The known-answer vectors that Fixtures/make-vectors.py made with PyNaCl.
struct Vectors: Decodable, Sendable {
    struct BoxVector: Decodable, Sendable, CustomTestStringConvertible {
        let aSecret, aPublic, bSecret, bPublic, nonce, message, ciphertext, sharedKey: Hexed
        var testDescription: String { "box of \(message.bytes.count) bytes" }
    }
    struct BoxSeedVector: Decodable, Sendable { let seed, secret, `public`: Hexed }
    struct SecretBoxVector: Decodable, Sendable, CustomTestStringConvertible {
        let key, nonce, message, ciphertext: Hexed
        var testDescription: String { "secretbox of \(message.bytes.count) bytes" }
    }
    struct SignVector: Decodable, Sendable, CustomTestStringConvertible {
        let seed, `public`, message, signature: Hexed
        var testDescription: String { "signature of \(message.bytes.count) bytes" }
    }
    struct GenericHashVector: Decodable, Sendable, CustomTestStringConvertible {
        let message, key, hash: Hexed
        let outputCount: Int
        let chunks: [Hexed]
        var testDescription: String { "BLAKE2b-\(outputCount * 8) of \(message.bytes.count) bytes, key \(key.bytes.count)" }
    }
    struct SHA512Vector: Decodable, Sendable { let message, hash: Hexed }
    struct Argon2idVector: Decodable, Sendable, CustomTestStringConvertible {
        let passphrase, salt, key: Hexed
        let opslimit: UInt64
        let memlimit: Int
        let outputCount: Int
        var testDescription: String { "Argon2id ops \(opslimit) mem \(memlimit)" }
    }
    struct Limits: Decodable, Sendable { let opslimit: UInt64; let memlimit: Int }
    struct Base64Vector: Decodable, Sendable { let bytes: Hexed; let text: String }

    let box: [BoxVector]
    let boxSeedKeypair: [BoxSeedVector]
    let secretbox: [SecretBoxVector]
    let sign: [SignVector]
    let generichash: [GenericHashVector]
    let sha512: [SHA512Vector]
    let argon2id: [Argon2idVector]
    let argon2idLimits: [String: Limits]
    let base64url: [Base64Vector]

    static let shared: Vectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/vectors.json")
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Vectors.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read the PyNaCl vectors at \(url.path): \(error)")
        }
    }()
}

/// Bytes written as hex in the fixture file.
struct Hexed: Decodable, Sendable {
    let bytes: [UInt8]
    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        bytes = try Hex.decode(text)
    }
}

/// A copy of `bytes` with one bit flipped at `index` (wrapped to the length).
func flippingBit(_ bytes: [UInt8], at index: Int) -> [UInt8] {
    var copy = bytes
    copy[index % copy.count] ^= 0x01
    return copy
}
