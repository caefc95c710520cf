import Foundation
import Results

extension Comparison {
    /// One self-contained page (inline CSS, the SVG inline, no scripts, no external
    /// references): a short description, the table with each row's plot colour, the curves.
    /// - Parameter command: the command line that made the page, shown at its foot.
    public func html(command: String) -> String {
        let shown = table.columns.indices.filter { !table.columns[$0].isMachineOnly }
        var out: [String] = []
        out.append("""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>kplab compare: \(runs.count) run\(runs.count == 1 ? "" : "s")</title>
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px 32px; color: #222; }
        h1 { font-size: 20px; margin: 0 0 6px; }
        p.meta { color: #555; margin: 4px 0; font-size: 13px; }
        code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 13px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid #e2e2e2; white-space: nowrap; text-align: left; }
        th { background: #f4f4f4; border-bottom: 2px solid #ccc; font-weight: 600; }
        td.wrap { white-space: normal; min-width: 20em; max-width: 34em; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr:hover td { background: #f7f9ff; }
        td.status-diverged, td.status-failed { color: #b00020; font-weight: 600; }
        td.status-interrupted, td.status-running, td.status-early-stopped { color: #8a5a00; }
        span.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
        figure { margin: 24px 0 0; overflow-x: auto; }
        footer { margin-top: 24px; color: #777; font-size: 12px; }
        </style>
        </head>
        <body>
        """)
        let unit = groupKeys.isEmpty ? "run" : "group"
        let count = groupKeys.isEmpty ? runs.count : groups.count
        out.append("<h1>\(count) \(unit)\(count == 1 ? "" : "s") compared</h1>")
        if !groupKeys.isEmpty {
            out.append("<p class=\"meta\">\(runs.count) runs grouped by \(groupKeys.map { "<code>\(escaped($0))</code>" }.joined(separator: ", ")); each measure is mean ± sample standard deviation over the group.</p>")
        }
        out.append("<p class=\"meta\">Sorted by best validation RMSE in pixels. "
                   + (differingKeys.isEmpty ? "The runs' configurations are identical."
                      : "Parameters that differ: " + differingKeys.map { "<code>\(escaped($0))</code>" }.joined(separator: ", ") + ".")
                   + "</p>")
        out.append("<div class=\"table-wrap\"><table>")
        // Parameter headers are shortened (`weights` for `model.init.weights`) to leave room
        // for the measures; the full key, which --where and --group-by take, is the tooltip.
        let parameterNames = shortNames(for: table.columns.filter { $0.style == .parameter }.map(\.key))
        out.append("<thead><tr>" + shown.map { index -> String in
            let column = table.columns[index]
            let alignment = column.style.isRightAligned ? " class=\"number\"" : ""
            if column.style == .parameter, let name = parameterNames[column.key], name != column.key {
                return "<th\(alignment) title=\"\(escaped(column.key))\">\(escaped(name))</th>"
            }
            return "<th\(alignment)>\(escaped(column.title))</th>"
        }.joined() + "</tr></thead>")
        out.append("<tbody>")
        for (rowIndex, row) in table.rows.enumerated() {
            var cells: [String] = []
            for (position, index) in shown.enumerated() {
                let column = table.columns[index]
                var text = escaped(row[index].humanText(style: column.style))
                var classes: [String] = []
                if column.style.isRightAligned { classes.append("number") }
                // An architecture is one long word; breaking it after its dashes keeps the
                // measures on screen instead of pushing them past the right edge.
                if !column.style.isRightAligned, text.count > 28, text.contains("-") {
                    text = text.replacingOccurrences(of: "-", with: "-<wbr>")
                    classes.append("wrap")
                }
                // By the status itself, not its remarks (`diverged, no better than the mean face`).
                if column.key == "status", case .text(let status) = row[index],
                   let word = status.split(separator: ",").first, !word.contains(" ") {
                    classes.append("status-" + word)
                }
                if position == 0 {
                    text = "<span class=\"swatch\" style=\"background: \(Palette.colour(rowIndex))\"></span>" + text
                }
                let classText = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                cells.append("<td\(classText)>\(text)</td>")
            }
            out.append("<tr>" + cells.joined() + "</tr>")
        }
        out.append("</tbody></table></div>")
        out.append("<figure>")
        // With the per-layer panels under the curves when a run recorded diagnostics.
        let recordsDiagnostics = runs.contains { FileManager.default.fileExists(atPath: RunFolder(path: $0.folder).diagnostics) }
        out.append((recordsDiagnostics ? curvesWithDiagnostics : curves.svg).trimmingCharacters(in: "\n"))
        out.append("</figure>")
        out += diagnosisSection
        out.append("<footer>kplab \(kplabVersion): <code>\(escaped(command))</code></footer>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }
}

extension Comparison {
    /// Each run's `kplab diagnose` verdict: its findings, strongest first, or that nothing is wrong.
    var diagnosisSection: [String] {
        var out = ["<h2>Diagnosis</h2>"]
        for run in runs {
            guard let diagnosis = try? Diagnosis(folder: RunFolder(path: run.folder)) else { continue }
            out.append("<h3>\(escaped(run.label))</h3>")
            if diagnosis.findings.isEmpty {
                out.append("<p class=\"healthy\">\(escaped(diagnosis.headline))</p>")
                continue
            }
            out.append("<ol class=\"findings\">")
            for finding in diagnosis.findings {
                out.append("<li>\(escaped(finding.summary))" + (finding.details.isEmpty ? "" : "<ul>"
                    + finding.details.map { "<li>\(escaped($0))</li>" }.joined() + "</ul>") + "</li>")
            }
            out.append("</ol>")
        }
        return out
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: Character) -> String {
        String(drop(while: { $0 == characters }).reversed().drop(while: { $0 == characters }).reversed())
    }
}
