#if canImport(Glibc)
import Glibc
#endif

/// `index.snapshot`: the in-memory index written on close, so that reopening a large log reads a
/// few arrays instead of every record (docs/LOG-FORMAT.md, "Index snapshot"). It is a cache:
/// it is used only when its checksum holds and the record at its boundary has exactly its chain
/// value; otherwise it is ignored and the log is scanned.
///
/// Layout (little-endian): magic `NRIDXSN1`; log id (16); count (8); chain (32); segment count (8),
/// then per segment base position (8), record count (8), end (8); every segment's offsets (4 each);
/// stream count (8), then per stream name length (2), name, position count (8), positions (8 each);
/// id table slot count (8), id count (8), keys (8 per slot), positions (8 per slot); CRC32C of all
/// that came before (4).
struct IndexSnapshot {
    static let fileName = "index.snapshot"
    static let magic = Array("NRIDXSN1".utf8)

    struct Segment { let base: UInt64; let offsets: [UInt32]; let end: Int }

    let logID: LogID
    let count: UInt64
    let chain: Digest32
    let segments: [Segment]
    let streams: [StreamName: [UInt64]]
    let ids: EventIDTable

    // MARK: Writing

    static func write(_ index: LogIndex, logID: LogID, directory: String) throws(EventLogError) {
        var out = Writer()
        out.bytes(magic)
        out.bytes(logID.bytes)
        out.integer(index.count)
        out.bytes(index.chain.bytes)
        out.integer(UInt64(index.segments.count))
        for segment in index.segments {
            out.integer(segment.basePosition)
            out.integer(UInt64(segment.offsets.count))
            out.integer(UInt64(segment.end))
        }
        for segment in index.segments { out.array(segment.offsets) }
        out.integer(UInt64(index.streams.count))
        for (name, positions) in index.streams {
            out.integer(UInt16(name.value.utf8.count))
            out.bytes(Array(name.value.utf8))
            out.integer(UInt64(positions.count))
            out.array(positions)
        }
        out.integer(UInt64(index.ids.keys.count))
        out.integer(UInt64(index.ids.count))
        out.array(index.ids.keys)
        out.array(index.ids.positions)
        out.integer(out.crc)
        try FileSystem.writeAtomically(out.buffer, to: directory + "/" + fileName, directory: directory)
    }

    private struct Writer {
        var buffer: [UInt8] = []
        var crc: UInt32 = 0
        mutating func bytes(_ bytes: [UInt8]) {
            crc = CRC32C.checksum(bytes, continuing: crc)
            buffer += bytes
        }
        mutating func integer<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { raw in
                crc = CRC32C.checksum(raw, continuing: crc)
                buffer.append(contentsOf: raw)
            }
        }
        mutating func array<T: FixedWidthInteger>(_ values: [T]) {
            // The machine is little-endian (checked in `load`), so the array's memory is its encoding.
            values.withUnsafeBytes { raw in
                crc = CRC32C.checksum(raw, continuing: crc)
                buffer.append(contentsOf: raw)
            }
        }
    }

    // MARK: Reading

    /// The snapshot in `directory`, or nil if there is none or it is unusable for any reason.
    static func load(directory: String) -> IndexSnapshot? {
        guard UInt16(1).littleEndian == 1 else { return nil }
        let path = directory + "/" + fileName
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var reader = Reader(descriptor: fd)
        do {
            return try reader.readSnapshot()
        } catch {
            return nil
        }
    }

    private struct Unusable: Error {}

    private struct Reader {
        let descriptor: Int32
        var offset = 0
        var crc: UInt32 = 0

        init(descriptor: Int32) { self.descriptor = descriptor }

        mutating func fill(_ buffer: UnsafeMutableRawBufferPointer, checksummed: Bool = true) throws(Unusable) {
            var done = 0
            while done < buffer.count {
                let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Unusable() }
                done += n
            }
            offset += buffer.count
            if checksummed { crc = CRC32C.checksum(UnsafeRawBufferPointer(buffer), continuing: crc) }
        }

        mutating func bytes(_ count: Int) throws(Unusable) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            var outcome: Result<Void, Unusable> = .success(())
            out.withUnsafeMutableBytes { buffer in outcome = Result { () throws(Unusable) in try fill(buffer) } }
            try outcome.get()
            return out
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type, checksummed: Bool = true) throws(Unusable) -> T {
            var value = T.zero
            var outcome: Result<Void, Unusable> = .success(())
            withUnsafeMutableBytes(of: &value) { buffer in
                outcome = Result { () throws(Unusable) in try fill(buffer, checksummed: checksummed) }
            }
            try outcome.get()
            return T(littleEndian: value)
        }

        mutating func array<T: FixedWidthInteger>(_: T.Type, count: Int) throws(Unusable) -> [T] {
            guard count >= 0, count <= 1 << 34 else { throw Unusable() }
            var failure = false
            let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                do {
                    try fill(UnsafeMutableRawBufferPointer(buffer))
                    initialized = count
                } catch {
                    failure = true
                    initialized = 0
                }
            }
            guard !failure else { throw Unusable() }
            return values
        }

        mutating func readSnapshot() throws(Unusable) -> IndexSnapshot {
            guard try bytes(8) == IndexSnapshot.magic else { throw Unusable() }
            let logID = try bytes(16).withUnsafeBytes { ID16(reading: $0) }
            let count = try integer(UInt64.self)
            let chain = try bytes(32).withUnsafeBytes { Digest32(reading: $0) }
            let segmentCount = Int(try integer(UInt64.self))
            guard (1...1_000_000).contains(segmentCount) else { throw Unusable() }
            var shapes: [(UInt64, Int, Int)] = []
            for _ in 0..<segmentCount {
                shapes.append((try integer(UInt64.self), Int(try integer(UInt64.self)), Int(try integer(UInt64.self))))
            }
            var segments: [Segment] = []
            for (base, records, end) in shapes {
                segments.append(Segment(base: base, offsets: try array(UInt32.self, count: records), end: end))
            }
            let streamCount = Int(try integer(UInt64.self))
            var streams: [StreamName: [UInt64]] = [:]
            streams.reserveCapacity(streamCount)
            for _ in 0..<streamCount {
                let nameBytes = try bytes(Int(try integer(UInt16.self)))
                guard let name = try? LogName(String(decoding: nameBytes, as: UTF8.self)) else { throw Unusable() }
                streams[name] = try array(UInt64.self, count: Int(try integer(UInt64.self)))
            }
            let slots = Int(try integer(UInt64.self))
            let idCount = Int(try integer(UInt64.self))
            let keys = try array(UInt64.self, count: slots)
            let positions = try array(UInt64.self, count: slots)
            let expected = crc
            guard try integer(UInt32.self, checksummed: false) == expected,
                  let ids = EventIDTable(keys: keys, positions: positions, count: idCount),
                  segments.reduce(0, { $0 + UInt64($1.offsets.count) }) == count
            else { throw Unusable() }
            return IndexSnapshot(logID: logID, count: count, chain: chain, segments: segments, streams: streams, ids: ids)
        }
    }
}
