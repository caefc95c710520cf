/// The plot's legend as a small table beside the plot area: a header with the names of the
/// parameters that tell the series apart, then one line per series, its colour first.
/// Values longer than `longestValue` characters (architectures) are replaced by letters
/// `A`, `B` … that a key under the legend spells out, so that every series stays one line.
struct PlotLegend {
    static let characterWidth = 6.6  // at 12 px Helvetica, a little wider than the mean glyph
    static let lineHeight = 15.0
    static let longestValue = 24
    static let footnoteCharacters = 72

    let columns: [String]
    /// Per series, one cell per column, after aliasing.
    let cells: [[String]]
    /// "A = conv32k3-relu-…" lines (already wrapped) for each aliased column.
    let footnotes: [String]

    init(columns: [String], values: [[String]]) {
        var cells = values
        var footnotes: [String] = []
        for (index, column) in columns.enumerated() {
            let columnValues = values.map { index < $0.count ? $0[index] : "" }
            guard columnValues.contains(where: { $0.count > PlotLegend.longestValue }) else { continue }
            var aliases: [String: String] = [:]
            var order: [String] = []
            for value in columnValues where aliases[value] == nil {
                aliases[value] = PlotLegend.alias(order.count)
                order.append(value)
            }
            for row in cells.indices where index < cells[row].count { cells[row][index] = aliases[cells[row][index]]! }
            footnotes.append(column + ":")
            for value in order {
                footnotes += PlotLegend.wrap(aliases[value]! + " = " + value, width: PlotLegend.footnoteCharacters)
                    .enumerated().map { $0.offset == 0 ? "  " + $0.element : "      " + $0.element }
            }
        }
        self.columns = columns
        self.cells = cells
        self.footnotes = footnotes
    }

    /// Left edge of each column, relative to the legend's text start.
    var columnOffsets: [Double] {
        var offsets: [Double] = []
        var x = 0.0
        for (index, column) in columns.enumerated() {
            offsets.append(x)
            let widest = max(column.count, cells.map { index < $0.count ? $0[index].count : 0 }.max() ?? 0)
            x += Double(widest) * PlotLegend.characterWidth + 14
        }
        return offsets
    }

    var width: Double {
        let tableWidth = 30 + (columnOffsets.last ?? 0) + Double(lastColumnWidth) * PlotLegend.characterWidth
        let footnoteWidth = Double(footnotes.map(\.count).max() ?? 0) * PlotLegend.characterWidth
        let keyWidth = 30 + 30 * PlotLegend.characterWidth  // "validation loss (dot: best epoch)"
        return max(tableWidth, footnoteWidth, keyWidth)
    }

    /// The two style lines, a gap, the header, the entries, a gap, the footnotes.
    var height: Double {
        PlotLegend.lineHeight * (2 + 0.8 + 1 + Double(cells.count) + (footnotes.isEmpty ? 0 : 0.6 + Double(footnotes.count)))
    }

    private var lastColumnWidth: Int {
        guard let last = columns.indices.last else { return 0 }
        return max(columns[last].count, cells.map { last < $0.count ? $0[last].count : 0 }.max() ?? 0)
    }

    /// SVG elements with the legend's top-left corner at (`left`, `top`).
    /// - Parameter measure: what the curves show, for the line samples' words ("validation RMSE" or "validation loss").
    func svg(left: Double, top: Double, colour: (Int) -> String, measure: String = "loss") -> [String] {
        var out: [String] = ["<g class=\"legend\">"]
        var y = top + 5
        func sample(dashed: Bool, text: String) {
            out.append("<line x1=\"\(number(left))\" x2=\"\(number(left + 24))\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#333333\" "
                       + (dashed ? "stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>" : "stroke-width=\"1.8\"/>"))
            out.append("<text x=\"\(number(left + 30))\" y=\"\(number(y + 4))\">\(escaped(text))</text>")
            y += PlotLegend.lineHeight
        }
        sample(dashed: false, text: "validation \(measure) (dot: best epoch)")
        sample(dashed: true, text: "training \(measure)")
        y += PlotLegend.lineHeight * 0.8
        let offsets = columnOffsets
        for (index, column) in columns.enumerated() {
            out.append("<text x=\"\(number(left + 30 + offsets[index]))\" y=\"\(number(y + 4))\" font-weight=\"bold\" fill=\"#444444\">\(escaped(column))</text>")
        }
        y += PlotLegend.lineHeight
        for (row, values) in cells.enumerated() {
            out.append("<line x1=\"\(number(left))\" x2=\"\(number(left + 24))\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"\(colour(row))\" stroke-width=\"3\"/>")
            for (index, value) in values.enumerated() where index < offsets.count {
                out.append("<text x=\"\(number(left + 30 + offsets[index]))\" y=\"\(number(y + 4))\">\(escaped(value))</text>")
            }
            y += PlotLegend.lineHeight
        }
        if !footnotes.isEmpty {
            y += PlotLegend.lineHeight * 0.6
            for line in footnotes {
                out.append("<text x=\"\(number(left))\" y=\"\(number(y + 4))\" fill=\"#444444\" xml:space=\"preserve\">\(escaped(line))</text>")
                y += PlotLegend.lineHeight
            }
        }
        out.append("</g>")
        return out
    }

    /// A, B, … Z, AA, AB …
    static func alias(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < 26 ? String(letters[index]) : alias(index / 26 - 1) + String(letters[index % 26])
    }

    /// Lines of at most `width` characters, broken after `-`, `, ` or a space where possible.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for piece in text.pieces(breakingAfter: [", ", "-", " "]) {
            if !current.isEmpty && current.count + piece.count > width {
                lines.append(current.trimmingSpaces)
                current = ""
            }
            current += piece
        }
        if !current.isEmpty { lines.append(current.trimmingSpaces) }
        return lines
    }
}
