import EventLog
import Testing

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("the standard check value and RFC 3720 test patterns")
    func knownAnswers() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test("checksumming in pieces equals checksumming the whole", arguments: [0, 1, 7, 8, 9, 100, 1000])
    func continuation(split: Int) {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(data)
        let first = CRC32C.checksum(Array(data[..<split]))
        #expect(CRC32C.checksum(Array(data[split...]), continuing: first) == whole)
    }

    @Test("the processor's instruction and the tables agree on every length, alignment and continuation")
    func instructionMatchesTables() {
        let data = (0..<4200).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ ($0 >> 7)) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in Array(0..<80) + [255, 256, 257, 1023, 4096] where start + length <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    for seed: UInt32 in [0, 0xE306_9283] {
                        #expect(CRC32C.checksum(slice, continuing: seed) == CRC32C.tableChecksum(slice, continuing: seed),
                                "start \(start), length \(length), seed \(seed)")
                    }
                }
            }
        }
        #expect(CRC32C.tableChecksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        // On this project's machines (x86-64 with SSE 4.2) the instruction is what runs.
        #if arch(x86_64)
        #expect(CRC32C.usesInstruction)
        #endif
    }

    @Test("any single flipped bit changes the checksum")
    func singleBitFlips() {
        let data = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let original = CRC32C.checksum(data)
        for bit in 0..<(data.count * 8) {
            var copy = data
            copy[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(CRC32C.checksum(copy) != original)
        }
    }
}
