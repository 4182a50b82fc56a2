extension QuarterlyReport {
    /// One self-contained HTML file: tables, and inline SVG bar charts of contacts per month, issues
    /// raised and consent levels. No script and no external resource; readable when printed. A
    /// suppressed count is drawn as an outlined stub of fixed length, so a bar never shows a hidden value.
    public var html: String {
        let tables = self.tables
        var body = ""
        body += "<h1>\(Self.escape(organisation)): monitoring report, \(current.quarter)</h1>\n"
        body += "<p class=\"note\">Counts from 1 to \(threshold - 1) are shown as “&lt;\(threshold)”, and where a total would let one be "
            + "worked out, other counts are hidden too, shown as “\(ReportTable.complementaryMark)”. Figures come from the staff wrap-ups "
            + "and reports; nothing identifies a visitor."
        if current.unreadable > 0 { body += " \(Self.escape(suppressed(current.unreadable))) wrap-ups or reports could not be read and are not counted." }
        body += "</p>\n<dl class=\"facts\">"
        for fact in facts { body += "<dt>\(Self.escape(fact.name))</dt><dd>\(Self.escape(fact.value))</dd>" }
        body += "</dl>\n"
        if let contacts = tables.first {
            let shown = contacts.shown(threshold: threshold)
            let bars = current.quarter.months.indices.map { index in
                (label: current.quarter.months[index], text: shown[index][0], value: Int(shown[index][0]))
            }
            body += "<h2>Contacts per month</h2>\n" + Self.barChart(bars, target: monthlyTarget)
        }
        for table in tables {
            if table.title.hasPrefix("Issues raised") || table.title.hasPrefix("Incidents reported, by consent") {
                let shown = table.shown(threshold: threshold)
                let rows = table.hasTotal ? Array(zip(table.rows, shown).dropLast()) : Array(zip(table.rows, shown))
                body += "<h2>\(Self.escape(table.title)), \(current.quarter)</h2>\n"
                body += Self.barChart(rows.map { (label: $0.0.label, text: $0.1[0], value: Int($0.1[0])) }, target: nil)
            }
        }
        for table in tables { body += Self.htmlTable(table, shown: table.shown(threshold: threshold)) }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(Self.escape(organisation)) — monitoring report \(current.quarter)</title>
            <style>
            body { font-family: sans-serif; color: #111; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
            h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
            table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; page-break-inside: avoid; }
            th, td { border: 1px solid #555; padding: 0.25rem 0.6rem; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
            .note { color: #333; font-size: 0.9rem; }
            dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; } dl.facts dd { margin: 0; }
            svg { max-width: 100%; height: auto; page-break-inside: avoid; }
            @media print { body { margin: 0; } }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    static func htmlTable(_ table: ReportTable, shown: [[String]]) -> String {
        var html = "<table>\n<caption>\(escape(table.title))</caption>\n<tr><th scope=\"col\"></th>"
        for column in table.columns { html += "<th scope=\"col\">\(escape(column))</th>" }
        html += "</tr>\n"
        for (row, values) in zip(table.rows, shown) {
            html += "<tr><th scope=\"row\">\(escape(row.label))</th>"
            for value in values { html += "<td class=\"n\">\(escape(value))</td>" }
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }

    /// Horizontal bars; `value` nil draws the suppressed stub.
    static func barChart(_ bars: [(label: String, text: String, value: Int?)], target: Int?) -> String {
        let rowHeight = 26, labelWidth = 330, barWidth = 330
        let largest = max(bars.compactMap(\.value).max() ?? 0, target ?? 0, 1)
        let height = bars.count * rowHeight + 10
        var svg = "<svg viewBox=\"0 0 \(labelWidth + barWidth + 60) \(height)\" "
            + "width=\"\(labelWidth + barWidth + 60)\" height=\"\(height)\" role=\"img\">\n"
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 5
            let label = bar.label.count > 44 ? String(bar.label.prefix(43)) + "…" : bar.label
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-size=\"13\">\(escape(label))</text>\n"
            if let value = bar.value {
                let width = value * barWidth / largest
                if width > 0 { svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(width)\" height=\"18\" fill=\"#2b5d8a\"/>\n" }
                svg += "<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 17)\" font-size=\"13\">\(escape(bar.text))</text>\n"
            } else {
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"12\" height=\"18\" fill=\"none\" stroke=\"#2b5d8a\" stroke-dasharray=\"3 2\"/>\n"
                svg += "<text x=\"\(labelWidth + 18)\" y=\"\(y + 17)\" font-size=\"13\">\(escape(bar.text))</text>\n"
            }
        }
        if let target {
            let x = labelWidth + target * barWidth / largest
            svg += "<line x1=\"\(x)\" y1=\"0\" x2=\"\(x)\" y2=\"\(height)\" stroke=\"#a33\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n"
            svg += "<text x=\"\(min(x + 4, labelWidth + barWidth + 10))\" y=\"\(height - 2)\" font-size=\"12\" fill=\"#a33\">target \(target)</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
