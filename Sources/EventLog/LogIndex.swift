/// Where each record is, per segment: file offsets by position.
struct SegmentIndex {
    let file: SegmentFile
    /// Offset of each record in the file; the record at `file.basePosition + i` starts at `offsets[i]`.
    var offsets: [UInt32]
    /// Where the next record would start (the end of the last whole record).
    var end: Int

    var basePosition: UInt64 { file.basePosition }
    var endPosition: UInt64 { file.basePosition + UInt64(offsets.count) }
}

/// The committed, durable state of the log that readers see.
struct LogIndex {
    var segments: [SegmentIndex]
    var count: UInt64
    var chain: Digest32
    /// Each stream's positions; a stream's version is the index into its array.
    var streams: [StreamName: [UInt64]]
    var ids: EventIDTable

    /// A run of consecutive records stored back to back in one segment.
    struct Run {
        let file: SegmentFile
        let firstPosition: UInt64
        let offset: Int
        let byteCount: Int
        let count: Int
    }

    func segmentIndex(containing position: UInt64) -> Int? {
        guard position < count else { return nil }
        var low = 0, high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle].basePosition <= position { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The records `first ..< first + count` (clipped to the log) as runs of contiguous bytes.
    func runs(from first: UInt64, count wanted: Int, maximumBytes: Int = 4 << 20) -> [Run] {
        guard wanted > 0, first < count, var s = segmentIndex(containing: first) else { return [] }
        var runs: [Run] = []
        var position = first
        let last = min(count, first + UInt64(wanted))
        while position < last {
            let segment = segments[s]
            let segmentLast = min(last, segment.endPosition)
            var runStart = position
            while runStart < segmentLast {
                let startIndex = Int(runStart - segment.basePosition)
                let startOffset = Int(segment.offsets[startIndex])
                var endIndex = startIndex + 1
                var endOffset = recordEnd(segment, index: startIndex)
                while endIndex < Int(segmentLast - segment.basePosition),
                      recordEnd(segment, index: endIndex) - startOffset <= maximumBytes {
                    endOffset = recordEnd(segment, index: endIndex)
                    endIndex += 1
                }
                runs.append(Run(file: segment.file, firstPosition: runStart, offset: startOffset,
                                byteCount: endOffset - startOffset, count: endIndex - startIndex))
                runStart = segment.basePosition + UInt64(endIndex)
            }
            position = segmentLast
            s += 1
        }
        return runs
    }

    private func recordEnd(_ segment: SegmentIndex, index: Int) -> Int {
        index + 1 < segment.offsets.count ? Int(segment.offsets[index + 1]) : segment.end
    }

    /// The version of a stream's last event, or nil when the stream has no events.
    func version(of stream: StreamName) -> UInt64? {
        guard let positions = streams[stream], !positions.isEmpty else { return nil }
        return UInt64(positions.count - 1)
    }
}
