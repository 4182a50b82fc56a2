import CSodium

/// The entry point of the wrapper: library facts and the one-time `sodium_init()`.
///
/// Every public function in this module calls `Sodium.ensureInitialised()` before it touches
/// libsodium, so callers never have to remember to initialise it.
public enum Sodium {
    /// `sodium_init()` is run exactly once, lazily and thread-safely, by Swift's static initialisation.
    private static let initialised: Bool = sodium_init() >= 0

    @inline(__always)
    static func ensureInitialised() {
        // sodium_init() fails only when the system has no usable source of randomness; continuing
        // would hand out predictable keys, so stopping here is the only safe answer.
        precondition(initialised, "libsodium could not be initialised (no source of randomness)")
    }

    /// The version of the libsodium shared library in use, for example `1.0.18`.
    public static var version: String {
        ensureInitialised()
        return String(cString: sodium_version_string())
    }

    /// Compares two byte strings in time that depends only on their lengths, never on their contents.
    /// Inputs of different lengths are unequal (lengths are not treated as secret).
    public static func constantTimeEqual(_ a: some ByteInput, _ b: some ByteInput) -> Bool {
        ensureInitialised()
        return a.withByteInput { pa in
            b.withByteInput { pb in
                guard pa.count == pb.count else { return false }
                if pa.count == 0 { return true }
                return sodium_memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0
            }
        }
    }

    /// Overwrites the array's bytes with zeros in a way the compiler cannot optimise away.
    public static func memzero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
        }
    }

    static func memzero(_ buffer: UnsafeMutableRawBufferPointer) {
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
}
