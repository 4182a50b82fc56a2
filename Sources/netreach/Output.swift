import Foundation
import NetreachCommandLine
import NetreachCore

/// Prints one record (field, value pairs) as a two-column table, a JSON object or CSV.
func printRecord(_ rows: [(String, String)], format: OutputFormat) {
    switch format {
    case .table:
        let width = rows.map(\.0.count).max() ?? 0
        for (field, value) in rows { print(field.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
    case .json:
        let object = Dictionary(rows.map { ($0.0.replacingOccurrences(of: " ", with: "_"), $0.1) }, uniquingKeysWith: { $1 })
        print(jsonText(object))
    case .csv:
        print(rows.map { csvField($0.0) }.joined(separator: ","))
        print(rows.map { csvField($0.1) }.joined(separator: ","))
    }
}

/// Prints rows under a header as an aligned table, a JSON array of objects, or CSV.
func printTable(header: [String], rows: [[String]], format: OutputFormat) {
    switch format {
    case .table:
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    case .json:
        let keys = header.map { $0.lowercased().replacingOccurrences(of: " ", with: "_") }
        let objects = rows.map { row in Dictionary(zip(keys, row).map { ($0, $1) }, uniquingKeysWith: { $1 }) }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("[]".utf8)
        print(String(decoding: data, as: UTF8.self))
    case .csv:
        print(header.map(csvField).joined(separator: ","))
        for row in rows { print(row.map(csvField).joined(separator: ",")) }
    }
}

/// One cell of a table whose JSON keeps numbers as numbers: text, a whole number, or a duration
/// (shown as "12 min", given in JSON as seconds under the column's name + "_seconds", null when none).
enum OutputCell {
    case text(String)
    case number(Int)
    case duration(seconds: Int?)

    var shown: String {
        switch self {
        case .text(let text): text
        case .number(let number): String(number)
        case .duration(let seconds): seconds.map { netreach.duration(milliseconds: UInt64($0) * 1000) } ?? ""
        }
    }
}

/// As `printTable(header:rows:format:)`, with typed cells: JSON gives numbers and seconds as numbers.
func printTable(header: [String], cells: [[OutputCell]], format: OutputFormat) {
    guard format == .json else {
        printTable(header: header, rows: cells.map { $0.map(\.shown) }, format: format)
        return
    }
    let keys = header.map { $0.lowercased().replacingOccurrences(of: " ", with: "_") }
    let objects: [[String: Any]] = cells.map { row in
        var object: [String: Any] = [:]
        for (key, cell) in zip(keys, row) {
            switch cell {
            case .text(let text): object[key] = text
            case .number(let number): object[key] = number
            case .duration(let seconds): object[key + "_seconds"] = seconds.map { $0 as Any } ?? NSNull()
            }
        }
        return object
    }
    let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("[]".utf8)
    print(String(decoding: data, as: UTF8.self))
}

func jsonText(_ object: [String: String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// RFC 4180 quoting, formula-safe (`CSV.field`).
func csvField(_ value: String) -> String { CSV.field(value) }
