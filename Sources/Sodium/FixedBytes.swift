/// Checks that an input has exactly the size a primitive needs, and copies it.
@inline(__always)
func exactBytes(_ bytes: some ByteInput, count: Int, what: String) throws(SodiumError) -> [UInt8] {
    let got = bytes.withByteInput { $0.count }
    guard got == count else { throw SodiumError.wrongLength(what, expected: count, got: got) }
    return bytes.withByteInput { Array($0) }
}

/// Checks that a secret input has exactly the size a primitive needs, and copies it into protected storage.
@inline(__always)
func exactSecret(_ bytes: some ByteInput, count: Int, what: String) throws(SodiumError) -> SecureBytes {
    let got = bytes.withByteInput { $0.count }
    guard got == count else { throw SodiumError.wrongLength(what, expected: count, got: got) }
    return SecureBytes(copying: bytes)
}
