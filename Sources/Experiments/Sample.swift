/// A change the generated identity test makes to an experiment, as `--set` settings applied
/// in order: the earlier ones set up what the last one needs (a `fraction` before a
/// `shuffle`, a linear schedule before its `from`), and the last one must change the run
/// identity. Key paths are relative to the table that holds the sample until `below(_:)`
/// moves them under the key that holds the table.
struct Sample: Sendable {
    var settings: [(keyPath: [String], value: String)]

    /// `keyPath` set to `value` after the settings in `context`.
    init(_ keyPath: [String], _ value: String, after context: [(keyPath: [String], value: String)] = []) {
        settings = context + [(keyPath, value)]
    }

    /// This sample with `context` set first.
    func after(_ context: [(keyPath: [String], value: String)]) -> Sample {
        var sample = self
        sample.settings = context + settings
        return sample
    }

    /// This sample for the table found under `key`.
    func below(_ key: String) -> Sample {
        var sample = self
        sample.settings = settings.map { (keyPath: [key] + $0.keyPath, value: $0.value) }
        return sample
    }

    /// `dotted.key=value` for each setting, as `Override(parsing:)` reads them.
    var overrides: [String] { settings.map { "\(dotted($0.keyPath))=\($0.value)" } }
}
