import Sodium

/// One `field: value` line of a key file, read but not yet interpreted.
struct KeyFileLine: Sendable {
    let field: String
    let value: String
    /// The 1-based line number, for errors.
    let number: Int
    /// The offset just past this line's LF.
    let end: Int

    /// Interprets the value with `parse`, naming this line in any error.
    func interpret<T>(_ parse: (String) throws(KeyError) -> T) throws(KeyError) -> T {
        do {
            return try parse(value)
        } catch {
            throw error.atLine(number)
        }
    }

    /// The value as base64url of exactly `count` bytes.
    func bytes(count: Int, what: String) throws(KeyError) -> [UInt8] {
        try interpret { text throws(KeyError) in try KeyEncoding.decodeBase64(text, count: count, what: what) }
    }

    func signingKey(what: String) throws(KeyError) -> SigningPublicKey {
        let raw = try bytes(count: SigningPublicKey.count, what: what)
        guard let key = try? SigningPublicKey(raw) else { throw invalid("\(what) is not a signing key") }
        return key
    }

    func boxKey(what: String) throws(KeyError) -> BoxPublicKey {
        let raw = try bytes(count: BoxPublicKey.count, what: what)
        guard let key = try? BoxPublicKey(raw) else { throw invalid("\(what) is not a box key") }
        return key
    }

    func signature() throws(KeyError) -> Signature {
        let raw = try bytes(count: Signature.count, what: "the signature")
        guard let signature = try? Signature(raw) else { throw invalid("the signature is not \(Signature.count) bytes") }
        return signature
    }

    private func invalid(_ message: String) -> KeyError {
        KeyError(code: .invalidValue, message, line: number)
    }
}
