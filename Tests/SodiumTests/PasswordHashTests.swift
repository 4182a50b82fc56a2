import Sodium
import Testing

@Suite("PasswordHash (Argon2id)")
struct PasswordHashTests {
    @Test("reproduces PyNaCl's Argon2id output byte for byte", arguments: Vectors.shared.argon2id)
    func knownAnswer(_ v: Vectors.Argon2idVector) throws {
        let limits = try PasswordHash.Limits(opsLimit: v.opslimit, memLimit: v.memlimit)
        let key = try PasswordHash.deriveKey(outputCount: v.outputCount, passphrase: v.passphrase.bytes,
                                             salt: v.salt.bytes, limits: limits)
        #expect(key.copyBytes() == v.key.bytes)
    }

    @Test("the named limits are libsodium's, as PyNaCl reports them")
    func namedLimits() throws {
        let expected = Vectors.shared.argon2idLimits
        for (name, limits) in [("interactive", PasswordHash.Limits.interactive), ("moderate", .moderate),
                               ("sensitive", .sensitive)] {
            let want = try #require(expected[name])
            #expect(limits.opsLimit == want.opslimit, "\(name)")
            #expect(limits.memLimit == want.memlimit, "\(name)")
        }
    }

    @Test("a one-character change of passphrase gives an unrelated key")
    func differentPassphrase() throws {
        let v = Vectors.shared.argon2id[0]
        let limits = try PasswordHash.Limits(opsLimit: v.opslimit, memLimit: v.memlimit)
        var other = v.passphrase.bytes
        other[0] ^= 0x20
        let key = try PasswordHash.deriveKey(outputCount: 32, passphrase: other, salt: v.salt.bytes, limits: limits)
        #expect(!key.isEqual(to: v.key.bytes))
    }

    @Test("limits libsodium would refuse are typed errors",
          arguments: [(UInt64(0), 8192), (UInt64(1), 1024), (UInt64(1), 0)])
    func badLimits(ops: UInt64, mem: Int) {
        let error = #expect(throws: SodiumError.self) { try PasswordHash.Limits(opsLimit: ops, memLimit: mem) }
        #expect(error?.code == .invalidParameter)
    }

    @Test("a salt of the wrong size is a typed error", arguments: [0, 8, 15, 17, 32])
    func badSalt(count: Int) throws {
        let limits = try PasswordHash.Limits(opsLimit: 1, memLimit: 8192)
        let error = #expect(throws: SodiumError.self) {
            try PasswordHash.deriveKey(outputCount: 32, passphrase: Array("pw".utf8),
                                       salt: [UInt8](repeating: 0, count: count), limits: limits)
        }
        #expect(error?.code == .wrongLength)
    }

    @Test("an output shorter than Argon2id allows is a typed error")
    func shortOutput() throws {
        let limits = try PasswordHash.Limits(opsLimit: 1, memLimit: 8192)
        let error = #expect(throws: SodiumError.self) {
            try PasswordHash.deriveKey(outputCount: 8, passphrase: Array("pw".utf8),
                                       salt: [UInt8](repeating: 0, count: 16), limits: limits)
        }
        #expect(error?.code == .invalidParameter)
    }
}
