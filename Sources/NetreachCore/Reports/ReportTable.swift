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

    /// How a count hidden only to protect another is shown: no range, since it may be any size.
    public static let complementaryMark = "*"
    /// The footnote every format gives for `complementaryMark`.
    public static let complementaryNote = "* hidden so that a small count elsewhere in its column cannot be worked out"

    /// What each cell shows: counts from 1 to `threshold - 1` as "<threshold" (primary suppression);
    /// and, in a table with a total, as many more cells of the column as it takes, shown as
    /// `complementaryMark`, until no hidden count can be worked out from the cells shown and the
    /// total (`derivableCells`): the smallest non-zero parts first, then parts that are zero (four
    /// hidden cells and a total under 5 would otherwise say each is 1), then the total. A zero is
    /// otherwise shown: it discloses no one. A threshold of 0 or 1 suppresses nothing. The result is
    /// checked with `derivableCells` every time; a column that could still give a count away shows its
    /// total, and if need be every cell, as `complementaryMark` (hidden, with no range).
    public func shown(threshold: Int) -> [[String]] {
        guard threshold > 1 else { return render(Array(repeating: Array(repeating: .shown, count: columns.count), count: rows.count), threshold) }
        var state: [[Visibility]] = rows.map { row in
            row.cells.map { cell in
                if case .count(let n) = cell, n > 0, n < threshold { return .primary }
                return .shown
            }
        }
        if hasTotal, rows.count >= 2 {
            let parts = rows.count - 1
            for c in 0..<columns.count {
                while !Self.derivableCells(render(state, threshold), hasTotal: true, threshold: threshold).filter({ $0.column == c }).isEmpty {
                    let candidates = (0..<parts).filter { state[$0][c] == .shown && Self.isCount(rows[$0].cells[c]) }
                    if let next = candidates.filter({ Self.count(rows[$0].cells[c]) > 0 })
                        .min(by: { Self.count(rows[$0].cells[c]) < Self.count(rows[$1].cells[c]) }) ?? candidates.first {
                        state[next][c] = .complementary
                    } else if state[parts][c] == .shown && Self.isCount(rows[parts].cells[c]) {
                        state[parts][c] = .complementary
                    } else {
                        break
                    }
                }
            }
        }
        // Still derivable (say two "<3" parts and a "<3" total, which must be 1, 1 and 2): the total
        // loses its range too, then, if need be, every cell of the column.
        for c in Set(Self.derivableCells(render(state, threshold), hasTotal: hasTotal, threshold: threshold).map(\.column)) {
            if hasTotal, Self.isCount(rows[rows.count - 1].cells[c]) { state[rows.count - 1][c] = .complementary }
            if !Self.derivableCells(render(state, threshold), hasTotal: hasTotal, threshold: threshold).contains(where: { $0.column == c }) { continue }
            for r in rows.indices where Self.isCount(rows[r].cells[c]) { state[r][c] = .complementary }
        }
        return render(state, threshold)
    }

    private enum Visibility { case shown, primary, complementary }

    private func render(_ state: [[Visibility]], _ threshold: Int) -> [[String]] {
        rows.enumerated().map { r, row in
            row.cells.enumerated().map { c, cell in
                switch (cell, state[r][c]) {
                case (.text(let text), _): text
                case (.count(let n), .shown): String(n)
                case (.count, .primary): "<\(threshold)"
                case (.count, .complementary): Self.complementaryMark
                }
            }
        }
    }

    /// The hidden cells of `shown` whose exact count someone could work out from what is shown: a
    /// "<T" cell is known to be 1…T−1, a `complementaryMark` cell any count from 0, and in a table with a
    /// total each column's parts add up to its last row. A cell is derivable when these leave it one
    /// possible value. (A column is one equation with bounded unknowns, so the bounds below are exact.)
    public static func derivableCells(_ shown: [[String]], hasTotal: Bool, threshold: Int) -> [(row: Int, column: Int)] {
        let unbounded = 1 << 40
        func bounds(_ text: String) -> (low: Int, high: Int, hidden: Bool)? {
            if let n = Int(text) { return (n, n, false) }
            if text == "<\(threshold)" { return (1, threshold - 1, true) }
            if text == complementaryMark { return (0, unbounded, true) }
            return nil  // not a count (a time, a note)
        }
        var found: [(row: Int, column: Int)] = []
        let columnCount = shown.first?.count ?? 0
        for c in 0..<columnCount {
            let cells = shown.map { bounds($0[c]) }
            guard hasTotal, shown.count >= 2, cells.allSatisfy({ $0 != nil }) else {
                // No equation: a hidden cell is derivable only when its own bounds leave one value.
                for (r, cell) in cells.enumerated() where cell?.hidden == true && cell?.low == cell?.high { found.append((r, c)) }
                continue
            }
            let values = cells.map { $0! }
            let parts = Array(values.dropLast()), total = values.last!
            let lowSum = parts.reduce(0) { $0 + $1.low }, highSum = parts.reduce(0) { $0 + min($1.high, unbounded) }
            for (r, part) in parts.enumerated() where part.hidden {
                let low = max(part.low, total.low - (highSum - part.high))
                let high = min(part.high, total.high - (lowSum - part.low))
                if low >= high { found.append((r, c)) }
            }
            if total.hidden, max(total.low, lowSum) >= min(total.high, highSum) { found.append((parts.count, c)) }
        }
        return found
    }

    private static func isCount(_ cell: Cell) -> Bool { if case .count = cell { true } else { false } }

    private static func count(_ cell: Cell) -> Int { if case .count(let n) = cell { n } else { 0 } }
}
