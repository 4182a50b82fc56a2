#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A disk in memory behind the storage seam, for the storage fault simulator (docs/RELIABILITY.md,
/// "Power cut"): it keeps, for every file, what is durable (as of its last sync) apart from what a
/// reader sees, and it can fail a write part-way, fill up, fail a flush, and lose power.
///
/// A power cut (`powerCut(random:)`) returns the disk as it could be found afterwards: every
/// synced byte is there; of the writes since a file's last sync, each 512-byte sector independently
/// holds its content from before any of them or after any one of them (sectors reach the disk in
/// any order, and a later write can land before an earlier one); the file has its synced size or
/// its newer one; and names created, renamed or removed since the last directory sync may or may
/// not have survived. Everything is driven by the caller's seeded generator, so a trial replays.
package final class SimulatedSegmentStorage: SegmentStorage {
    /// Faults to inject; counted over the whole disk from its creation.
    package struct Faults: Sendable, Hashable {
        /// Bytes the disk can hold over all files; a write that would pass it stores what fits and
        /// the next write fails with ENOSPC (`noSpace`), as Linux does.
        package var capacity: Int = .max
        /// The write call (1-based) that stores only half of its bytes and reports that.
        package var shortWrite: Int?
        /// The write call (1-based) that fails with EIO.
        package var failingWrite: Int?
        /// The sync call (1-based) that fails with EIO; the file's unsynced writes are then dropped
        /// from what would survive a power cut (the kernel may have thrown the dirty pages away).
        package var failingSync: Int?
        /// The write call (1-based) during which the power goes: `powerCutFraction` of its bytes
        /// reach the page cache, and from then on every operation fails as after `crash()`.
        package var powerCutAtWrite: Int?
        package var powerCutFraction: Double = 0.5
        /// Each read, write, flush and truncation first waits a random 0…this many microseconds (not
        /// from the trial's seed): concurrent threads then meet the disk in more orders than the
        /// scheduler alone produces.
        package var jitterMicroseconds = 0

        package init(capacity: Int = .max, shortWrite: Int? = nil, failingWrite: Int? = nil, failingSync: Int? = nil,
                     powerCutAtWrite: Int? = nil, powerCutFraction: Double = 0.5) {
            self.capacity = capacity
            self.shortWrite = shortWrite
            self.failingWrite = failingWrite
            self.failingSync = failingSync
            self.powerCutAtWrite = powerCutAtWrite
            self.powerCutFraction = powerCutFraction
        }
    }

    /// One file: what readers see, what is durable, and the writes since the last sync.
    struct Content {
        var current: [UInt8] = []
        var durable: [UInt8] = []
        /// Unsynced changes, oldest first.
        var pending: [Change] = []
    }

    /// A change to a file not yet synced. A truncation is its own kind: a write that stored no bytes
    /// (the power went before any reached the page cache) changed nothing, and must not read as one.
    enum Change {
        case write(offset: Int, bytes: [UInt8])
        case resize(to: Int)
    }

    struct State {
        var files: [Int: Content] = [:]
        var names: [String: Int] = [:]
        var durableNames: [String: Int] = [:]
        var nextFile = 0
        var faults: Faults
        var writes = 0
        var syncs = 0
        var crashed = false
        /// While set, a sync waits (the writer stands still with a group in flight).
        var holdingSyncs = false
        var syncsWaiting = 0
        var used: Int { files.values.reduce(0) { $0 + $1.current.count } }
    }

    let state: Mutex<State>

    package init(faults: Faults = .init()) {
        state = Mutex(State(faults: faults))
    }

    private init(state: State) {
        self.state = Mutex(state)
    }

    /// Changes the faults still to come (to free space, say).
    package func setFaults(_ faults: Faults) { state.withLock { $0.faults = faults } }

    /// Write calls made so far (the count `Faults.shortWrite`, `failingWrite` and `powerCutAtWrite` name).
    package var writeCalls: Int { state.withLock { $0.writes } }

    /// Bytes stored over all files.
    package var bytesUsed: Int { state.withLock { $0.used } }

    /// What a reader of `name` sees now, or nil.
    package func contents(of name: String) -> [UInt8]? {
        state.withLock { state in state.names[name].flatMap { state.files[$0]?.current } }
    }

    /// Replaces what `name` holds, durably (to inject damage into a disk found after a power cut).
    package func overwrite(_ name: String, with bytes: [UInt8]) {
        state.withLock { state in
            guard let id = state.names[name] else { return }
            state.files[id] = Content(current: bytes, durable: bytes, pending: [])
        }
    }

    /// Makes every sync wait until `releaseSyncs()`: a flush that takes its time, so that tests can
    /// line up appends behind a group in flight.
    package func holdSyncs() { state.withLock { $0.holdingSyncs = true } }
    package func releaseSyncs() { state.withLock { $0.holdingSyncs = false } }
    /// Syncs waiting because of `holdSyncs()`.
    package var syncsWaiting: Int { state.withLock { $0.syncsWaiting } }

    /// Whether the power has gone (`crash()`, or `Faults.powerCutAtWrite`).
    package var hasCrashed: Bool { state.withLock { $0.crashed } }

    /// From now on every operation fails with EIO: the machine has lost power. What the disk
    /// holds then is `powerCut(random:)`.
    package func crash() { state.withLock { $0.crashed = true } }

    /// The disk as it may be found after losing power now (see the type's description).
    package func powerCut(random: inout some RandomNumberGenerator) -> SimulatedSegmentStorage {
        let snapshot = state.withLock { $0 }
        var survivor = State(faults: .init())
        var ids = Set(snapshot.durableNames.values)
        // Each name changed since the last directory sync keeps its old or takes its new meaning.
        var names = snapshot.durableNames
        for name in Set(snapshot.names.keys).union(snapshot.durableNames.keys).sorted()
        where snapshot.names[name] != snapshot.durableNames[name] && Bool.random(using: &random) {
            names[name] = snapshot.names[name]
        }
        ids = Set(names.values)
        for id in ids.sorted() {
            guard let content = snapshot.files[id] else { continue }
            survivor.files[id] = Content(current: Self.survivingBytes(content, random: &random), durable: [], pending: [])
            survivor.files[id]!.durable = survivor.files[id]!.current
        }
        survivor.names = names.filter { survivor.files[$0.value] != nil }
        survivor.durableNames = survivor.names
        survivor.nextFile = snapshot.nextFile
        return SimulatedSegmentStorage(state: survivor)
    }

    /// One file after a power cut: its durable bytes, then per 512-byte sector any prefix of the
    /// unsynced writes applied to it; the size is the durable one or one the writes gave it.
    private static func survivingBytes(_ content: Content, random: inout some RandomNumberGenerator) -> [UInt8] {
        guard !content.pending.isEmpty else { return content.durable }
        // The sizes the file had along its unsynced history; any of them may be what the disk kept.
        var sizes = [content.durable.count]
        var size = content.durable.count
        var touched: [(offset: Int, bytes: [UInt8])] = []
        for change in content.pending {
            switch change {
            case .write(let offset, let bytes):
                size = max(size, offset + bytes.count)
                touched.append((offset, bytes))
            case .resize(let newSize):
                size = newSize
            }
            sizes.append(size)
        }
        let finalSize = sizes[Int.random(in: 0..<sizes.count, using: &random)]
        var out = content.durable
        if out.count < finalSize { out += [UInt8](repeating: 0, count: finalSize - out.count) }
        if out.count > finalSize { out.removeLast(out.count - finalSize) }
        guard !touched.isEmpty else { return out }
        let low = touched.map(\.offset).min()!, high = min(finalSize, touched.map { $0.offset + $0.bytes.count }.max()!)
        var sector = low / 512 * 512
        while sector < high {
            let end = min(high, sector + 512)
            let writes = touched.filter { $0.offset < end && $0.offset + $0.bytes.count > sector }
            // How many of this sector's writes reached the disk, in order: none, some or all.
            let applied = Int.random(in: 0...writes.count, using: &random)
            for write in writes.prefix(applied) {
                let from = max(sector, write.offset), to = min(end, write.offset + write.bytes.count)
                if from < to { out.replaceSubrange(from..<to, with: write.bytes[(from - write.offset)..<(to - write.offset)]) }
            }
            sector = end
        }
        return out
    }

    // MARK: SegmentStorage

    package func list() throws(EventLogError) -> [String] {
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            return state.names.keys.sorted()
        }
    }

    package func open(_ name: String) throws(EventLogError) -> any StorageFile {
        try state.withLock { (state) throws(EventLogError) -> any StorageFile in
            try Self.check(state)
            guard let id = state.names[name] else { throw Self.error(.ioError, "no such file \(name)", name) }
            return SimulatedFile(storage: self, id: id, name: name)
        }
    }

    package func create(_ name: String) throws(EventLogError) -> any StorageFile {
        try state.withLock { (state) throws(EventLogError) -> any StorageFile in
            try Self.check(state)
            guard state.names[name] == nil else { throw Self.error(.ioError, "\(name) exists", name) }
            let id = state.nextFile
            state.nextFile += 1
            state.files[id] = Content()
            state.names[name] = id
            return SimulatedFile(storage: self, id: id, name: name)
        }
    }

    package func remove(_ name: String) throws(EventLogError) {
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            guard state.names.removeValue(forKey: name) != nil else { throw Self.error(.ioError, "no such file \(name)", name) }
        }
    }

    package func rename(_ source: String, to target: String) throws(EventLogError) {
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            guard let id = state.names.removeValue(forKey: source) else { throw Self.error(.ioError, "no such file \(source)", source) }
            state.names[target] = id
        }
    }

    package func syncDirectory() throws(EventLogError) {
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            state.durableNames = state.names
        }
    }

    // MARK: Files

    func size(_ id: Int) throws(EventLogError) -> Int {
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            return state.files[id]?.current.count ?? 0
        }
    }

    /// Waits the random time `Faults.jitterMicroseconds` asks for.
    private func jitter() {
        let most = state.withLock { $0.faults.jitterMicroseconds }
        if most > 0 { usleep(UInt32.random(in: 0...UInt32(most))) }
    }

    func read(_ id: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        jitter()
        return try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            let bytes = state.files[id]?.current ?? []
            guard offset < bytes.count else { return 0 }
            let count = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            return count
        }
    }

    func write(_ id: Int, name: String, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        jitter()
        return try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            state.writes += 1
            if state.faults.failingWrite == state.writes { throw Self.error(.ioError, "write failed (EIO, injected)", name) }
            var content = state.files[id] ?? Content()
            var count = bytes.count
            if state.faults.shortWrite == state.writes { count = max(1, count / 2) }
            let powerGoes = state.faults.powerCutAtWrite == state.writes
            if powerGoes { count = Int(Double(count) * min(1, max(0, state.faults.powerCutFraction))) }
            // Only bytes past the end of the file take new space.
            let growth = max(0, offset + count - content.current.count)
            let room = max(0, state.faults.capacity - state.used)
            if growth > room {
                count = max(0, content.current.count + room - offset)
                guard count > 0 else { throw Self.error(.noSpace, "no space left on device (ENOSPC, injected)", name) }
            }
            // A write that stores nothing (the power went first) changes nothing, not even the size.
            if count > 0 {
                let written = Array(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
                if content.current.count < offset + count {
                    content.current += [UInt8](repeating: 0, count: offset + count - content.current.count)
                }
                content.current.replaceSubrange(offset..<(offset + count), with: written)
                content.pending.append(.write(offset: offset, bytes: written))
                state.files[id] = content
            }
            if powerGoes {
                state.crashed = true
                throw Self.error(.ioError, "the machine lost power during this write", name)
            }
            return count
        }
    }

    func sync(_ id: Int, name: String) throws(EventLogError) {
        jitter()
        if state.withLock({ state in
            if state.holdingSyncs { state.syncsWaiting += 1 }
            return state.holdingSyncs
        }) {
            while state.withLock({ $0.holdingSyncs && !$0.crashed }) { usleep(1_000) }
            state.withLock { $0.syncsWaiting -= 1 }
        }
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            state.syncs += 1
            guard var content = state.files[id] else { return }
            if state.faults.failingSync == state.syncs {
                // fsyncgate: the dirty pages may be gone; what a power cut finds is the old durable state.
                content.pending.removeAll()
                state.files[id] = content
                throw Self.error(.ioError, "flush failed (EIO, injected)", name)
            }
            content.durable = content.current
            content.pending.removeAll()
            state.files[id] = content
        }
    }

    func truncate(_ id: Int, name: String, to size: Int) throws(EventLogError) {
        jitter()
        try state.withLock { (state) throws(EventLogError) in
            try Self.check(state)
            guard var content = state.files[id] else { return }
            if content.current.count > size {
                content.current.removeLast(content.current.count - size)
            } else {
                content.current += [UInt8](repeating: 0, count: size - content.current.count)
            }
            content.pending.append(.resize(to: size))
            state.files[id] = content
        }
    }

    private static func check(_ state: State) throws(EventLogError) {
        if state.crashed { throw error(.ioError, "the machine has lost power", nil) }
    }

    private static func error(_ code: EventLogError.Code, _ message: String, _ name: String?) -> EventLogError {
        EventLogError(code: code, "simulated disk: \(message)", segment: name)
    }
}

/// A file of the simulated disk.
struct SimulatedFile: StorageFile {
    let storage: SimulatedSegmentStorage
    let id: Int
    let name: String

    func size() throws(EventLogError) -> Int { try storage.size(id) }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        try storage.read(id, into: buffer, at: offset)
    }
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(EventLogError) -> Int {
        try storage.write(id, name: name, bytes, at: offset)
    }
    func sync() throws(EventLogError) { try storage.sync(id, name: name) }
    func truncate(to size: Int) throws(EventLogError) { try storage.truncate(id, name: name, to: size) }
}

extension SimulatedSegmentStorage {
    /// What the disk holds, for a report when a trial fails: every file by id with the names that
    /// point to it now and as of the last directory sync, its size now and as durable, and its
    /// changes since the last sync (a write's offset and length, or a truncation's new size).
    package var summary: String {
        let state = state.withLock { $0 }
        var lines: [String] = []
        for id in state.files.keys.sorted() {
            let content = state.files[id]!
            let now = state.names.filter { $0.value == id }.map(\.key).sorted().joined(separator: ",")
            let synced = state.durableNames.filter { $0.value == id }.map(\.key).sorted().joined(separator: ",")
            let changes = content.pending.map { change in
                switch change {
                case .write(let offset, let bytes): "\(offset)+\(bytes.count)"
                case .resize(let size): "resize \(size)"
                }
            }.joined(separator: " ")
            lines.append("file \(id): name [\(now)] synced name [\(synced)] size \(content.current.count) durable \(content.durable.count) unsynced changes [\(changes)]")
        }
        lines.append("writes \(state.writes), syncs \(state.syncs), crashed \(state.crashed), capacity \(state.faults.capacity)")
        return lines.joined(separator: "\n")
    }
}
