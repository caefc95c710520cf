extension ComparisonTable {
    /// Aligned plain text for a terminal: a header, a rule of dashes, one line per row;
    /// columns two spaces apart, numbers right-aligned, no trailing spaces.
    public var plainText: String {
        let shown = columns.indices.filter { !columns[$0].isMachineOnly }
        let cells = rows.map { row in
            shown.map { column in
                let text = row[column].humanText(style: columns[column].style)
                // A hash is told apart by its first digits, as run-ids are.
                if text.count == 64, text.allSatisfy(\.isHexDigit) { return String(text.prefix(8)) + "…" }
                // An architecture runs to hundreds of characters; its ends tell runs apart on a terminal.
                guard FlatConfig.compactLists.contains(where: { $0.key == columns[column].key }), text.count > 40 else { return text }
                return String(text.prefix(24)) + "…" + String(text.suffix(15))
            }
        }
        let widths = shown.enumerated().map { position, column in
            max(columns[column].title.count, cells.map { $0[position].count }.max() ?? 0)
        }
        func line(_ texts: [String]) -> String {
            let padded = texts.enumerated().map { position, text -> String in
                let padding = String(repeating: " ", count: widths[position] - text.count)
                return columns[shown[position]].style.isRightAligned ? padding + text : text + padding
            }
            return String(padded.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        var lines = [line(shown.map { columns[$0].title }),
                     widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += cells.map(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table; numbers right-aligned; `|` in cells escaped.
    public var markdown: String {
        let shown = columns.indices.filter { !columns[$0].isMachineOnly }
        func line(_ texts: [String]) -> String {
            "| " + texts.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        var lines = [line(shown.map { columns[$0].title }),
                     "|" + shown.map { columns[$0].style.isRightAligned ? " ---: |" : " --- |" }.joined()]
        lines += rows.map { row in line(shown.map { row[$0].humanText(style: columns[$0].style) }) }
        return lines.joined(separator: "\n") + "\n"
    }
}
