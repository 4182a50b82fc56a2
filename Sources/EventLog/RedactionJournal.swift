#if canImport(Glibc)
import Glibc
#endif

/// `redactions.journal`: intent and completion entries for in-place redactions, so a redaction
/// that a crash interrupted is finished on the next open instead of looking like corruption.
final class RedactionJournal: Sendable {
    static let fileName = "redactions.journal"
    static let entryCount = 32

    struct Entry: Equatable {
        enum State: UInt32 { case intent = 1, done = 2 }
        let position: UInt64
        let offset: UInt64
        let segmentBase: UInt64
        let state: State

        func encoded() -> [UInt8] {
            var out: [UInt8] = []
            out.appendLittleEndian(position)
            out.appendLittleEndian(offset)
            out.appendLittleEndian(segmentBase)
            out.appendLittleEndian(state.rawValue)
            out.appendLittleEndian(CRC32C.checksum(out))
            return out
        }

        static func decode(_ bytes: ArraySlice<UInt8>) -> Entry? {
            let array = Array(bytes)
            return array.withUnsafeBytes { b -> Entry? in
                let crc = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
                guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<28])) == crc,
                      let state = State(rawValue: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
                else { return nil }
                return Entry(position: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                             offset: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                             segmentBase: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                             state: state)
            }
        }
    }

    private let descriptor: Int32
    private let path: String

    init(directory: String) throws(EventLogError) {
        path = directory + "/" + RedactionJournal.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystem.error("cannot open redaction journal", path: path) }
        descriptor = fd
    }

    deinit { _ = close(descriptor) }

    /// Intents with no completion entry. A torn or damaged entry ends the readable journal: the
    /// redaction it announced had not started, since the intent is made durable before the rewrite.
    static func pendingIntents(directory: String) throws(EventLogError) -> [Entry] {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystem.error("cannot open redaction journal", path: path) }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw FileSystem.error("cannot read redaction journal", path: path) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        var pending: [UInt64: Entry] = [:]
        var offset = 0
        while offset + entryCount <= bytes.count, let entry = Entry.decode(bytes[offset..<(offset + entryCount)]) {
            switch entry.state {
            case .intent: pending[entry.position] = entry
            case .done: pending[entry.position] = nil
            }
            offset += entryCount
        }
        return pending.values.sorted { $0.position < $1.position }
    }

    /// The pending intents in one segment, as offset → position, the form the scanner repairs from.
    static func byOffset(_ intents: [Entry], inSegment base: UInt64) -> [Int: UInt64] {
        Dictionary(intents.filter { $0.segmentBase == base }.map { (Int($0.offset), $0.position) }, uniquingKeysWith: { a, _ in a })
    }

    /// Empties the journal durably (after every intent was found complete).
    static func reset(directory: String) throws(EventLogError) {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return }
        try FileSystem.writeAtomically([], to: path, directory: directory)
    }

    /// Appends an entry and makes it durable.
    func record(_ entry: Entry) throws(EventLogError) {
        let bytes = entry.encoded()
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fdatasync(descriptor) == 0 else {
            throw FileSystem.error("cannot write redaction journal", path: path)
        }
    }
}
