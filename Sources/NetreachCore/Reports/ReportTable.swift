/// One table of a monitoring report, and the suppression of small counts that every output format
/// applies before anything is written (docs/READ-MODELS.md, "Small counts").
public struct ReportTable: Hashable, Sendable {
    public enum Cell: Hashable, Sendable {
        case count(Int)
        /// Not a count (a time, a target): never suppressed.
        case text(String)
    }

    public struct Row: Hashable, Sendable {
        public let label: String
        public let cells: [Cell]
        public init(_ label: String, _ cells: [Cell]) {
            self.label = label
            self.cells = cells
        }
    }

    public let title: String
    public let columns: [String]
    public let rows: [Row]
    /// Whether the last row is the total of the others in each column (then complementary suppression applies).
    public let hasTotal: Bool

    public init(title: String, columns: [String], rows: [Row], hasTotal: Bool = false) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.hasTotal = hasTotal
    }

    /// What each cell shows: counts from 1 to `threshold - 1` as "<threshold"; and, in a table with
    /// a total, when a column would hide exactly one cell, the next smallest non-zero cell too (or the
    /// total, if there is none), so that no hidden count can be worked out by subtraction.
    /// Zero is shown: it discloses no one. A threshold of 0 or 1 suppresses nothing.
    public func shown(threshold: Int) -> [[String]] {
        var hidden = Array(repeating: Array(repeating: false, count: columns.count), count: rows.count)
        func isSmall(_ cell: Cell) -> Bool { if case .count(let n) = cell { return n > 0 && n < threshold } else { return false } }
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.cells.enumerated() where isSmall(cell) { hidden[r][c] = true }
        }
        if hasTotal, rows.count >= 2, threshold > 1 {
            let parts = rows.count - 1
            for c in 0..<columns.count {
                let hiddenParts = (0..<parts).filter { hidden[$0][c] }
                guard hiddenParts.count == 1, !hidden[parts][c] else { continue }
                let candidates = (0..<parts).filter { !hidden[$0][c] && Self.count(rows[$0].cells[c]) > 0 }
                if let next = candidates.min(by: { Self.count(rows[$0].cells[c]) < Self.count(rows[$1].cells[c]) }) {
                    hidden[next][c] = true
                } else {
                    hidden[parts][c] = true
                }
            }
        }
        return rows.enumerated().map { r, row in
            row.cells.enumerated().map { c, cell in
                switch cell {
                case .text(let text): text
                case .count(let n): hidden[r][c] ? "<\(threshold)" : String(n)
                }
            }
        }
    }

    private static func count(_ cell: Cell) -> Int { if case .count(let n) = cell { n } else { 0 } }
}
