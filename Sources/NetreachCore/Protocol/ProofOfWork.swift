public import Sodium

/// The proof of work that opening a conversation costs (docs/PROTOCOL.md, "Session" step 3).
public enum ProofOfWork {
    public static let nonceCount = 8

    /// The most bits a relay may ask for (about 16 million hashes, some seconds on a phone); a client
    /// refuses a `hello` that asks for more rather than search for ever.
    public static let maximumBits = 24

    /// Whether `H(ctx("pow") ‖ challenge ‖ conversation ‖ nonce)` starts with `bits` zero bits.
    public static func isValid(nonce: [UInt8], challenge: [UInt8], conversation: ConversationID, bits: Int) -> Bool {
        guard nonce.count == nonceCount else { return false }
        let digest = SHA512.hash(DomainSeparation.pow.input(challenge + conversation.bytes + nonce))
        return leadingZeroBits(digest) >= bits
    }

    /// Searches for a nonce (about 2^bits hashes).
    public static func solve(challenge: [UInt8], conversation: ConversationID, bits: Int) -> [UInt8] {
        let prefix = DomainSeparation.pow.input(challenge + conversation.bytes)
        var counter: UInt64 = 0
        while true {
            var nonce: [UInt8] = []
            nonce.appendInteger(counter)
            if leadingZeroBits(SHA512.hash(prefix + nonce)) >= bits { return nonce }
            counter &+= 1
        }
    }

    static func leadingZeroBits(_ digest: [UInt8]) -> Int {
        var count = 0
        for byte in digest {
            if byte == 0 { count += 8; continue }
            return count + byte.leadingZeroBitCount
        }
        return count
    }
}

/// What a client signs to authenticate (docs/PROTOCOL.md, "Session" step 2).
public enum AuthProof {
    public enum Role: UInt8, Sendable {
        case visitor = 1, staff = 2
        public var name: String { self == .visitor ? "visitor" : "staff" }
    }

    public static func signedInput(challenge: [UInt8], relay: SigningPublicKey, role: Role) -> [UInt8] {
        DomainSeparation.auth.input(challenge + relay.bytes + [role.rawValue])
    }
}
