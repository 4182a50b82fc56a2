/// Event id → position, for idempotent appends over the life of the log.
///
/// Open addressing with linear probing on the id's first 8 bytes (ids are random, so those bytes
/// are already well spread): 16 bytes per slot, half full at most. Two ids can share their first
/// 8 bytes, so a lookup returns every candidate position and the caller compares the full id.
struct EventIDTable {
    private(set) var keys: [UInt64]
    private(set) var positions: [UInt64]
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        positions = [UInt64](repeating: 0, count: size)
    }

    /// Rebuilds a table from stored slots (an index snapshot); nil if they are inconsistent.
    init?(keys: [UInt64], positions: [UInt64], count: Int) {
        guard keys.count == positions.count, keys.count >= 16, keys.count & (keys.count - 1) == 0,
              count * 2 <= keys.count
        else { return nil }
        self.keys = keys
        self.positions = positions
        self.count = count
    }

    /// 0 marks an empty slot, so the key 0 is stored as 1.
    @inline(__always)
    private static func key(_ id: EventID) -> UInt64 { id.high == 0 ? 1 : id.high }

    mutating func insert(_ id: EventID, position: UInt64) {
        if (count + 1) * 2 > keys.count { grow() }
        let key = EventIDTable.key(id)
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != 0 { slot = (slot + 1) & mask }
        keys[slot] = key
        positions[slot] = position
        count += 1
    }

    /// Positions of every stored id whose first 8 bytes equal `id`'s.
    func candidates(for id: EventID) -> [UInt64] {
        let key = EventIDTable.key(id)
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        var found: [UInt64] = []
        while keys[slot] != 0 {
            if keys[slot] == key { found.append(positions[slot]) }
            slot = (slot + 1) & mask
        }
        return found
    }

    private mutating func grow() {
        let oldKeys = keys, oldPositions = positions
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        positions = [UInt64](repeating: 0, count: oldKeys.count * 2)
        let mask = keys.count - 1
        for index in oldKeys.indices where oldKeys[index] != 0 {
            var slot = Int(truncatingIfNeeded: oldKeys[index]) & mask
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[index]
            positions[slot] = oldPositions[index]
        }
    }
}
