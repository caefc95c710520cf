import Results
extension ComparisonTable {
    /// CSV with a header of machine keys (`best_val_rmse_px`, `model.init.weights` …), numbers
    /// in full precision, `nan`/`inf` as pandas reads them, empty fields for missing values.
    /// Counts are integers. A group's mean ± std becomes two columns, `<key>_mean` and `<key>_std`.
    public var csv: String {
        let header = columns.flatMap { column in
            column.holdsSummaries ? [column.key + "_mean", column.key + "_std"] : [column.key]
        }
        var lines = [header.map(csvField).joined(separator: ",")]
        for row in rows {
            var fields: [String] = []
            for (column, cell) in zip(columns, row) {
                switch cell {
                case .text(let text): fields.append(text)
                case .parameter(let value): fields.append(value?.text ?? "")
                case .number(let value?) where column.style == .count && value == value.rounded() && abs(value) < 1e15:
                    // Epochs and counts stay integers, so pandas reads an int column.
                    fields.append(String(Int64(value)))
                case .number(let value): fields.append(value.map(roundTripText) ?? "")
                case .summary(let summary):
                    fields.append(summary.map { roundTripText($0.mean) } ?? "")
                    fields.append(summary?.standardDeviation.map(roundTripText) ?? "")
                }
            }
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A JSON array with one object per row, keys in column order. Config values are typed
    /// as YAML would read them (plain `0.01` a number, `true` a boolean, `null` null; quoted
    /// ones stay strings); missing numbers and NaN are null; a group's measure is
    /// `{"mean": …, "std": …}`.
    public var json: String {
        let objects = rows.map { row -> String in
            let members = zip(columns, row).map { column, cell in
                "    " + jsonString(column.key) + ": " + jsonValue(cell)
            }
            return "  {\n" + members.joined(separator: ",\n") + "\n  }"
        }
        return objects.isEmpty ? "[]\n" : "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

func jsonValue(_ cell: ComparisonTable.Cell) -> String {
    switch cell {
    case .text(let text): return jsonString(text)
    case .parameter(let value):
        guard let value else { return "null" }
        guard value.isPlain else { return jsonString(value.text) }
        switch value.text {
        case "null", "~", "": return "null"
        case "true", "false": return value.text
        default:
            if let number = Double(value.text), number.isFinite, value.text.first != "." { return jsonNumber(number) }
            return jsonString(value.text)
        }
    case .number(let value): return value.map(jsonNumber) ?? "null"
    case .summary(let summary):
        guard let summary else { return "null" }
        return "{\"mean\": \(jsonNumber(summary.mean)), \"std\": \(summary.standardDeviation.map(jsonNumber) ?? "null")}"
    }
}

/// Shortest round-trip spelling; JSON has no NaN or infinity, so they become null.
public func jsonNumber(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

public func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
