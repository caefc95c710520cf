import Reports

/// A JSON document built in code and written in one pass: the dashboard's answers, some of
/// them for ten thousand runs, without Foundation's dynamic casts per value.
indirect enum JSONValue: ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in the order given.
    case object([(String, JSONValue)])

    init(stringLiteral value: String) { self = .string(value) }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(nilLiteral: ()) { self = .null }

    /// A number, or null when there is none or it is not finite (JSON has no NaN).
    static func number(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
    static func number(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
    static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let value): out += jsonNumber(value)
        case .string(let value): out += jsonString(value)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                out += jsonString(key) + ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }
}
