import Engine
import YAML

/// A setting that may follow a schedule — the learning rate or the momentum — with the
/// schedules it may follow and the values it allows.
struct ScheduledValue: Sendable {
    /// As messages name it: "learning rate 'from' must be greater than 0".
    let name: String
    let kindNames: [String]
    /// For a constant and a schedule's `from`.
    let startRule: String
    let startAllows: @Sendable (Double) -> Bool
    /// For a schedule's `to` (a learning rate may decay to 0 but not start there).
    let endRule: String
    let endAllows: @Sendable (Double) -> Bool

    static let learningRate = ScheduledValue(name: "learning rate", kindNames: ["linear", "step", "cosine"],
                                             startRule: "greater than 0", startAllows: { $0 > 0 },
                                             endRule: "at least 0", endAllows: { $0 >= 0 })
    static let momentum = ScheduledValue(name: "momentum", kindNames: ["linear"],
                                         startRule: "at least 0 and less than 1", startAllows: { $0 >= 0 && $0 < 1 },
                                         endRule: "at least 0 and less than 1", endAllows: { $0 >= 0 && $0 < 1 })

    var kinds: [Kind<Schedule>] {
        [Kind.linear(self), Kind.step(self), Kind.cosine(self)].filter { kindNames.contains($0.name) }
    }
}

extension Kind where Spec == Schedule {
    /// `{linear: {from: 0.03, to: 0.0001}}`.
    static func linear(_ value: ScheduledValue) -> Kind {
        schedule("linear", example: "{linear: {from: 0.03, to: 0.0001}}", value: value,
                 keys: { example in [.from(value, example), .to(value, example)] },
                 make: { settings in .linear(from: settings.from, to: settings.to) },
                 settings: { schedule in
                     guard case .linear(let from, let to) = schedule else { return nil }
                     return ScheduleSettings(from: from, to: to)
                 })
    }

    /// `{step: {from: 0.01, every: 10, factor: 0.5}}`.
    static func step(_ value: ScheduledValue) -> Kind {
        schedule("step", example: "{step: {from: 0.01, every: 10, factor: 0.5}}", value: value,
                 keys: { example in
                     [.from(value, example), .integer("every", \.every, atLeast: 1, required: example, sample: "5"),
                      .number("factor", \.factor, rule: "greater than 0", required: example, sample: "0.1") { $0 > 0 }]
                 },
                 make: { settings in .step(from: settings.from, every: settings.every, factor: settings.factor) },
                 settings: { schedule in
                     guard case .step(let from, let every, let factor) = schedule else { return nil }
                     return ScheduleSettings(from: from, every: every, factor: factor)
                 })
    }

    /// `{cosine: {from: 0.01, to: 0}}`; `to` defaults to 0.
    static func cosine(_ value: ScheduledValue) -> Kind {
        schedule("cosine", example: "{cosine: {from: 0.01, to: 0}}", value: value,
                 keys: { example in [.from(value, example), .to(value, nil)] },
                 make: { settings in .cosine(from: settings.from, to: settings.to) },
                 settings: { schedule in
                     guard case .cosine(let from, let to) = schedule else { return nil }
                     return ScheduleSettings(from: from, to: to)
                 })
    }

    /// A schedule kind whose settings' keys are `keys(example)`; the example is also the value
    /// its samples are set over.
    private static func schedule(_ name: String, example: String, value: ScheduledValue,
                                 keys: (String) -> [Key<ScheduleSettings>],
                                 make: @escaping @Sendable (ScheduleSettings) -> Schedule,
                                 settings: @escaping @Sendable (Schedule) -> ScheduleSettings?) -> Kind {
        let table = KeyTable<ScheduleSettings>(expected: "a mapping like \(example)", keys(example))
        return Kind(name, keys: table, sampleContext: example,
                    decode: { node, path, decoding throws(Diagnostic) in
                        make(try table.decode(node, path, from: ScheduleSettings(), decoding: decoding))
                    },
                    encode: { schedule in settings(schedule).map(table.encode) })
    }
}

/// The settings of any schedule kind; each kind's table reads only its own.
struct ScheduleSettings {
    var from = 0.0
    var to = 0.0
    var every = 0
    var factor = 0.0
}

extension Key where Spec == ScheduleSettings {
    /// `from`: where the schedule starts, so checked like a constant.
    static func from(_ value: ScheduledValue, _ example: String) -> Key {
        .number("from", \.from, called: "\(value.name) 'from'", rule: value.startRule, required: example,
                sample: "0.05", allows: value.startAllows)
    }

    /// `to`: where the schedule ends; `example` nil when it may be left out (0).
    static func to(_ value: ScheduledValue, _ example: String?) -> Key {
        .number("to", \.to, called: "\(value.name) 'to'", rule: value.endRule, required: example,
                sample: "0.001", allows: value.endAllows)
    }
}

extension Schedule {
    /// A constant as a plain number, a schedule as `{kind: {…}}`.
    func canonicalNode(of value: ScheduledValue) -> Node {
        if case .constant(let constant) = self { return plain("\(constant)") }
        return Kind.canonicalNode(of: self, among: value.kinds)
    }
}

extension Decoding {
    /// A constant, or one of the schedules `value` may follow.
    func schedule(_ node: Node, _ path: [String], of value: ScheduledValue) throws(Diagnostic) -> Schedule {
        if node.scalar != nil {
            return .constant(try number(node, path, name: value.name, rule: value.startRule, value.startAllows))
        }
        let kinds = value.kinds
        guard let pairs = node.mapping, pairs.count == 1 else {
            let shapes = kinds.map { "{\($0.name): {…}}" }
            throw error("expected a number or a schedule (\(listing(shapes))), found \(node.kindDescription)",
                        at: node, path: path)
        }
        let name = try choice(pairs[0].key, path, what: "\(value.name) schedule", among: kinds.map(\.name))
        return try kinds.first { $0.name == name }!.decode(pairs[0].value, path + [name], self)
    }
}
