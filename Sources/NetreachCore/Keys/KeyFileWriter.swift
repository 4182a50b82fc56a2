/// Builds the bytes of a key file in the layout `KeyFileReader` accepts. Values come from types
/// that have already been validated, so what is written always reads back.
struct KeyFileWriter {
    private(set) var bytes: [UInt8]

    init(magic: String) {
        bytes = Array(magic.utf8) + [0x0A]
    }

    /// Appends the line `field: value` and its LF.
    mutating func add(_ field: String, _ value: String) {
        bytes += Array(field.utf8) + [0x3A, 0x20] + Array(value.utf8) + [0x0A]
    }
}
