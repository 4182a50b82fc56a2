import CSodium

/// BLAKE2b (`crypto_generichash`), optionally keyed, one-shot or streaming.
public enum GenericHash {
    public static let minimumOutputCount = Int(crypto_generichash_BYTES_MIN)
    public static let maximumOutputCount = Int(crypto_generichash_BYTES_MAX)
    public static let defaultOutputCount = Int(crypto_generichash_BYTES)
    public static let maximumKeyCount = Int(crypto_generichash_KEYBYTES_MAX)

    /// The hash of `message`, `outputCount` bytes long (16…64), keyed if `key` is given (up to 64 bytes).
    public static func hash(_ message: some ByteInput, outputCount: Int = defaultOutputCount) throws(SodiumError) -> [UInt8] {
        try hash(message, key: [UInt8](), outputCount: outputCount)
    }

    /// The keyed hash (a MAC) of `message`.
    public static func hash(_ message: some ByteInput, key: some ByteInput,
                            outputCount: Int = defaultOutputCount) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialised()
        try check(outputCount: outputCount, key: key)
        var out = [UInt8](repeating: 0, count: outputCount)
        message.withByteInput { m in
            key.withByteInput { k in
                out.withUnsafeMutableBytes { o in
                    _ = crypto_generichash(o.baseAddress!.assumingMemoryBound(to: UInt8.self), outputCount,
                                           basePointer(m), UInt64(m.count), basePointer(k), k.count)
                }
            }
        }
        return out
    }

    /// Unkeyed BLAKE2b of `message` written into `output` (16…64 bytes), without allocating: for hot paths.
    public static func hash(_ message: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(SodiumError) {
        Sodium.ensureInitialised()
        try check(outputCount: output.count, key: [UInt8]())
        _ = crypto_generichash(output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count,
                               basePointer(message), UInt64(message.count), nil, 0)
    }

    static func check(outputCount: Int, key: some ByteInput) throws(SodiumError) {
        guard (minimumOutputCount...maximumOutputCount).contains(outputCount) else {
            throw SodiumError(.invalidParameter,
                              "a BLAKE2b output is \(minimumOutputCount)…\(maximumOutputCount) bytes, asked for \(outputCount)")
        }
        let keyCount = key.withByteInput { $0.count }
        guard keyCount <= maximumKeyCount else {
            throw SodiumError(.invalidParameter, "a BLAKE2b key is at most \(maximumKeyCount) bytes, got \(keyCount)")
        }
    }

    /// A streaming BLAKE2b computation: feed it with `update`, then `finalize` once.
    /// Non-copyable, so its state can neither be duplicated nor finalised twice; the state is wiped when it ends.
    public struct Hasher: ~Copyable {
        private let state: UnsafeMutableRawPointer
        private let stateCount: Int
        private let outputCount: Int

        public init(outputCount: Int = GenericHash.defaultOutputCount) throws(SodiumError) {
            try self.init(key: [UInt8](), outputCount: outputCount)
        }

        public init(key: some ByteInput, outputCount: Int = GenericHash.defaultOutputCount) throws(SodiumError) {
            Sodium.ensureInitialised()
            try GenericHash.check(outputCount: outputCount, key: key)
            // libsodium declares the state 64-byte aligned; Swift would not honour that for a stored struct.
            stateCount = crypto_generichash_statebytes()
            state = UnsafeMutableRawPointer.allocate(byteCount: stateCount, alignment: 64)
            self.outputCount = outputCount
            let state = self.state
            key.withByteInput { k in
                _ = crypto_generichash_init(OpaquePointer(state),
                                            basePointer(k), k.count, outputCount)
            }
        }

        /// Adds bytes to the hash.
        public mutating func update(_ bytes: some ByteInput) {
            let state = self.state
            bytes.withByteInput { b in
                _ = crypto_generichash_update(OpaquePointer(state),
                                              basePointer(b), UInt64(b.count))
            }
        }

        /// The hash of everything added; ends the computation.
        public consuming func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: outputCount)
            let state = self.state
            let count = outputCount
            out.withUnsafeMutableBytes { o in
                _ = crypto_generichash_final(OpaquePointer(state),
                                             o.baseAddress!.assumingMemoryBound(to: UInt8.self), count)
            }
            return out
        }

        deinit {
            sodium_memzero(state, stateCount)
            state.deallocate()
        }
    }
}
