#if canImport(Glibc)
import Glibc
#endif

extension FileEventStore {
    public func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        try readEvents(from: position, count: maxCount)
    }

    public func readBackward(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        let count = shared.withLock { $0.index.count }
        guard count > 0, maxCount > 0 else { return [] }
        let last = min(position, count - 1)
        let wanted = min(UInt64(maxCount), last + 1)
        return try readEvents(from: last + 1 - wanted, count: Int(wanted)).reversed()
    }

    public func readStream(_ stream: StreamName, fromVersion version: UInt64,
                           maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        let positions = shared.withLock { state -> ArraySlice<UInt64> in
            guard let all = state.index.streams[stream], version < UInt64(all.count), maxCount > 0 else { return [] }
            return all[Int(version)..<min(all.count, Int(version) + maxCount)]
        }
        var events: [RecordedEvent] = []
        events.reserveCapacity(positions.count)
        var index = positions.startIndex
        while index < positions.endIndex {
            // Read each run of consecutive positions with one call.
            var end = index + 1
            while end < positions.endIndex && positions[end] == positions[end - 1] + 1 { end += 1 }
            events += try readEvents(from: positions[index], count: end - index)
            index = end
        }
        return events
    }

    /// Reads `count` events from `first` (fewer at the head of the log), one `pread` per run of records.
    func readEvents(from first: UInt64, count: Int) throws(EventLogError) -> [RecordedEvent] {
        let runs = shared.withLock { $0.index.runs(from: first, count: count) }
        var events: [RecordedEvent] = []
        events.reserveCapacity(runs.reduce(0) { $0 + $1.count })
        for run in runs {
            var attempts = 0
            while true {
                do {
                    try decode(run, into: &events)
                    break
                } catch let error where error.code == .corruptRecord && attempts < 2000 && isBeingRedacted(error.position) {
                    // A redaction is rewriting this record in place right now; read it again once it is done.
                    attempts += 1
                    usleep(500)
                }
            }
        }
        return events
    }

    private func isBeingRedacted(_ position: UInt64?) -> Bool {
        guard let position else { return false }
        return shared.withLock { $0.redacting.contains(position) }
    }

    private func decode(_ run: LogIndex.Run, into events: inout [RecordedEvent]) throws(EventLogError) {
        let bytes = try run.file.read(count: run.byteCount, at: run.offset)
        let startCount = events.count
        var decoded: [RecordedEvent] = []
        decoded.reserveCapacity(run.count)
        try withBytes(bytes) { (all) throws(EventLogError) in
            var offset = 0
            for k in 0..<run.count {
                let position = run.firstPosition + UInt64(k)
                guard case .frame(let frame) = DecodedFrame.scan(UnsafeRawBufferPointer(rebasing: all[offset...])),
                      frame.position == position else {
                    throw EventLogError(code: .corruptRecord, "a stored record no longer reads back intact",
                                        position: position, segment: run.file.name)
                }
                decoded.append(try frame.event(in: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + frame.frameCount)])))
                offset += frame.frameCount
            }
        }
        events.removeSubrange(startCount...)
        events += decoded
    }
}
