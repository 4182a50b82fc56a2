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
///
/// Deltas: `index.delta.N` (N = 1, 2, …) each hold what the log gained over the snapshot plus the
/// deltas before it, so that the background thread can make a restart after a crash cheap without
/// rewriting the whole index often (docs/LOG-FORMAT.md, "Index deltas"). Layout: magic `NRIDXDL1`;
/// log id (16); the base snapshot's count (8) and chain (32); from count (8) and chain (32); to count
/// (8) and chain (32); segment entry count (8), then per entry segment number (8), base position
/// (8), record count (8), end (8); every entry's offsets (4 each); stream count (8), then per stream
/// name length (2), name, position count (8), positions (8 each); id count (8), ids (16 each),
/// their positions (8 each); CRC32C of all that came before (4). `load` applies them in order while
/// each one continues exactly where the one before left off, from the same base.
struct IndexSnapshot {
    static let fileName = "index.snapshot"
    static let magic = Array("NRIDXSN1".utf8)
    static let deltaMagic = Array("NRIDXDL1".utf8)
    static let deltaPrefix = "index.delta."

    static func deltaFileName(_ number: Int) -> String { deltaPrefix + String(number) }

    struct Segment { let base: UInt64; var offsets: [UInt32]; var end: Int }

    let logID: LogID
    private(set) var count: UInt64
    private(set) var chain: Digest32
    private(set) var segments: [Segment]
    private(set) var streams: [StreamName: [UInt64]]
    private(set) var ids: EventIDTable
    /// The count and chain of `index.snapshot` itself, which every delta names.
    let baseCount: UInt64
    let baseChain: Digest32
    /// How many deltas were applied on top of it.
    private(set) var deltas = 0

    init(logID: LogID, count: UInt64, chain: Digest32, segments: [Segment], streams: [StreamName: [UInt64]], ids: EventIDTable) {
        self.logID = logID
        self.count = count
        self.chain = chain
        self.segments = segments
        self.streams = streams
        self.ids = ids
        baseCount = count
        baseChain = chain
    }

    /// Moves the stream and id indexes out, leaving empty ones: the caller then holds the only
    /// reference to their storage, so adding to them never copies it (at 10 M events the id table
    /// is 512 MB, and one shared reference would make the first insert copy all of it).
    mutating func takeIndexes() -> (streams: [StreamName: [UInt64]], ids: EventIDTable) {
        defer {
            streams = [:]
            ids = EventIDTable(capacity: 0)
        }
        return (streams, ids)
    }

    /// What the log gained between two counts: written as `index.delta.N`.
    struct Delta {
        struct SegmentPart { let number: Int; let base: UInt64; let offsets: [UInt32]; let end: Int }
        let logID: LogID
        let baseCount: UInt64
        let baseChain: Digest32
        let fromCount: UInt64
        let fromChain: Digest32
        let toCount: UInt64
        let toChain: Digest32
        let segments: [SegmentPart]
        let streams: [(name: StreamName, positions: [UInt64])]
        let ids: [EventID]
        let idPositions: [UInt64]
    }

    /// Adds `delta` if it continues this index exactly (same log and base, starting at this count
    /// and chain) and is consistent with it; otherwise leaves it unchanged and returns false.
    mutating func apply(_ delta: Delta) -> Bool {
        guard delta.logID == logID, delta.baseCount == baseCount, delta.baseChain == baseChain,
              delta.fromCount == count, delta.fromChain == chain, delta.toCount > count,
              delta.ids.count == delta.idPositions.count, delta.ids.count == Int(delta.toCount - count),
              delta.idPositions.allSatisfy({ $0 >= count && $0 < delta.toCount })
        else { return false }
        var updated = segments
        var covered = count
        // Only the last segment can grow; every other part must be a new segment, in order.
        for part in delta.segments {
            if part.number == updated.count {
                guard part.base == updated.reduce(0, { $0 + UInt64($1.offsets.count) }) else { return false }
                updated.append(Segment(base: part.base, offsets: [], end: SegmentHeader.count))
            }
            guard part.number >= 0, part.number < updated.count, updated[part.number].base == part.base,
                  part.number == updated.count - 1, part.end >= updated[part.number].end,
                  part.offsets.allSatisfy({ Int($0) >= updated[part.number].end && Int($0) < part.end })
            else { return false }
            updated[part.number].offsets += part.offsets
            updated[part.number].end = part.end
            covered += UInt64(part.offsets.count)
        }
        guard covered == delta.toCount else { return false }
        var added = 0
        for (_, positions) in delta.streams {
            guard positions.allSatisfy({ $0 >= count && $0 < delta.toCount }) else { return false }
            added += positions.count
        }
        guard added == delta.ids.count else { return false }
        for (name, positions) in delta.streams { streams[name, default: []] += positions }
        for (id, position) in zip(delta.ids, delta.idPositions) { ids.insert(id, position: position) }
        segments = updated
        count = delta.toCount
        chain = delta.toChain
        deltas += 1
        return true
    }

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
        out.streams(index.streams.map { ($0.key, $0.value) })
        out.integer(UInt64(index.ids.keys.count))
        out.integer(UInt64(index.ids.count))
        out.array(index.ids.keys)
        out.array(index.ids.positions)
        out.integer(out.crc)
        try FileSystem.writeAtomically(out.buffer, to: directory + "/" + fileName, directory: directory)
        // The deltas were made over the snapshot just replaced: they no longer apply.
        try removeDeltas(directory: directory)
    }

    /// Writes `delta` as `index.delta.NUMBER` (replacing a file of that name left by an older base).
    static func write(_ delta: Delta, number: Int, directory: String) throws(EventLogError) {
        var out = Writer()
        out.bytes(deltaMagic)
        out.bytes(delta.logID.bytes)
        out.integer(delta.baseCount)
        out.bytes(delta.baseChain.bytes)
        out.integer(delta.fromCount)
        out.bytes(delta.fromChain.bytes)
        out.integer(delta.toCount)
        out.bytes(delta.toChain.bytes)
        out.integer(UInt64(delta.segments.count))
        for part in delta.segments {
            out.integer(UInt64(part.number))
            out.integer(part.base)
            out.integer(UInt64(part.offsets.count))
            out.integer(UInt64(part.end))
        }
        for part in delta.segments { out.array(part.offsets) }
        out.streams(delta.streams)
        out.integer(UInt64(delta.ids.count))
        var idBytes: [UInt8] = []
        idBytes.reserveCapacity(delta.ids.count * 16)
        for id in delta.ids { idBytes += id.bytes }
        out.bytes(idBytes)
        out.array(delta.idPositions)
        out.integer(out.crc)
        try FileSystem.writeAtomically(out.buffer, to: directory + "/" + deltaFileName(number), directory: directory)
    }

    /// Removes every `index.delta.N`.
    static func removeDeltas(directory: String, syncing: Bool = false) throws(EventLogError) {
        let names = try FileSystem.list(directory).filter { $0.hasPrefix(deltaPrefix) }
        for name in names { _ = unlink(directory + "/" + name) }
        if syncing || !names.isEmpty { try FileSystem.syncDirectory(directory) }
    }

    /// Removes the snapshot and its deltas (after a deliberate cut below what they prove).
    static func remove(directory: String) throws(EventLogError) {
        _ = unlink(directory + "/" + fileName)
        try removeDeltas(directory: directory, syncing: true)
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
        /// Stream count (8), then per stream name length (2), name, position count (8), positions (8 each).
        mutating func streams(_ streams: [(name: StreamName, positions: [UInt64])]) {
            integer(UInt64(streams.count))
            for (name, positions) in streams {
                integer(UInt16(name.value.utf8.count))
                bytes(Array(name.value.utf8))
                integer(UInt64(positions.count))
                array(positions)
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

    /// The snapshot in `directory` with every delta that continues it applied, or nil if there is
    /// no snapshot or it is unusable for any reason. A delta that is missing, unusable or does not
    /// continue the one before ends the chain of deltas there; the rest is scanned by the open.
    static func load(directory: String) -> IndexSnapshot? {
        guard UInt16(1).littleEndian == 1,
              var snapshot = read(directory + "/" + fileName, { (reader: inout Reader) throws(Unusable) in try reader.readSnapshot() })
        else { return nil }
        var number = 1
        while let delta = read(directory + "/" + deltaFileName(number), { (reader: inout Reader) throws(Unusable) in try reader.readDelta() }),
              snapshot.apply(delta) {
            number += 1
        }
        return snapshot
    }

    private static func read<T>(_ path: String, _ body: (inout Reader) throws(Unusable) -> T) -> T? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var reader = Reader(descriptor: fd)
        do {
            return try body(&reader)
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

        mutating func readDelta() throws(Unusable) -> Delta {
            guard try bytes(8) == IndexSnapshot.deltaMagic else { throw Unusable() }
            let logID = try bytes(16).withUnsafeBytes { ID16(reading: $0) }
            let baseCount = try integer(UInt64.self)
            let baseChain = try bytes(32).withUnsafeBytes { Digest32(reading: $0) }
            let fromCount = try integer(UInt64.self)
            let fromChain = try bytes(32).withUnsafeBytes { Digest32(reading: $0) }
            let toCount = try integer(UInt64.self)
            let toChain = try bytes(32).withUnsafeBytes { Digest32(reading: $0) }
            let partCount = Int(try integer(UInt64.self))
            guard (0...1_000_000).contains(partCount) else { throw Unusable() }
            var shapes: [(Int, UInt64, Int, Int)] = []
            for _ in 0..<partCount {
                shapes.append((Int(try integer(UInt64.self)), try integer(UInt64.self), Int(try integer(UInt64.self)),
                               Int(try integer(UInt64.self))))
            }
            var parts: [Delta.SegmentPart] = []
            for (number, base, records, end) in shapes {
                parts.append(Delta.SegmentPart(number: number, base: base, offsets: try array(UInt32.self, count: records), end: end))
            }
            let streamCount = Int(try integer(UInt64.self))
            guard (0...(1 << 32)).contains(streamCount) else { throw Unusable() }
            var streams: [(name: StreamName, positions: [UInt64])] = []
            for _ in 0..<streamCount {
                let nameBytes = try bytes(Int(try integer(UInt16.self)))
                guard let name = try? LogName(String(decoding: nameBytes, as: UTF8.self)) else { throw Unusable() }
                streams.append((name, try array(UInt64.self, count: Int(try integer(UInt64.self)))))
            }
            let idCount = Int(try integer(UInt64.self))
            guard (0...(1 << 32)).contains(idCount) else { throw Unusable() }
            let idBytes = try bytes(idCount * 16)
            let ids = idBytes.withUnsafeBytes { raw in
                (0..<idCount).map { ID16(reading: UnsafeRawBufferPointer(rebasing: raw[($0 * 16)...])) }
            }
            let positions = try array(UInt64.self, count: idCount)
            let expected = crc
            guard try integer(UInt32.self, checksummed: false) == expected else { throw Unusable() }
            return Delta(logID: logID, baseCount: baseCount, baseChain: baseChain, fromCount: fromCount, fromChain: fromChain,
                         toCount: toCount, toChain: toChain, segments: parts, streams: streams, ids: ids, idPositions: positions)
        }
    }
}
