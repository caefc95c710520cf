import Results
/// One of `count` equal parts of a sweep, so that several machines sharing a results folder
/// can split it: shard `index` (1-based) takes the runs whose 0-based position in the
/// expanded order is ≡ index − 1 (mod count). Positions interleave, so every shard gets a mix
/// of the sweep (not all the slow runs), and the parts are disjoint and cover every run —
/// as long as every machine expands the same inputs with the same `--set`.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(UserError) {
        guard count >= 1, (1...count).contains(index) else {
            throw UserError("shard \(index)/\(count) does not exist: expected i/n with 1 ≤ i ≤ n, e.g. --shard 3/16")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `3/16`.
    public init(parsing text: String) throws(UserError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw UserError("--shard \(text): expected i/n with 1 ≤ i ≤ n, e.g. --shard 3/16")
        }
        try self.init(index: index, count: count)
    }

    /// The shard of a SLURM job array task, or nil outside one: task `SLURM_ARRAY_TASK_ID` of
    /// `SLURM_ARRAY_TASK_COUNT`, counted from `SLURM_ARRAY_TASK_MIN` (0 when absent) in steps
    /// of `SLURM_ARRAY_TASK_STEP` (1 when absent), so `--array=0-15` and `--array=1-16` both work.
    public static func slurm(environment: [String: String]) throws(UserError) -> Shard? {
        guard let idText = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["SLURM_ARRAY_TASK_COUNT"] else {
            return nil
        }
        func number(_ name: String, _ text: String?, default value: Int) throws(UserError) -> Int {
            guard let text else { return value }
            guard let number = Int(text) else { throw UserError("\(name)=\(text) is not a whole number") }
            return number
        }
        let id = try number("SLURM_ARRAY_TASK_ID", idText, default: 0)
        let count = try number("SLURM_ARRAY_TASK_COUNT", countText, default: 0)
        let minimum = try number("SLURM_ARRAY_TASK_MIN", environment["SLURM_ARRAY_TASK_MIN"], default: 0)
        let step = max(1, try number("SLURM_ARRAY_TASK_STEP", environment["SLURM_ARRAY_TASK_STEP"], default: 1))
        let position = (id - minimum) / step
        guard id >= minimum, (id - minimum) % step == 0, position < count else {
            throw UserError("SLURM_ARRAY_TASK_ID=\(id) is not one of the \(count) tasks from SLURM_ARRAY_TASK_MIN=\(minimum) "
                              + "in steps of \(step); pass --shard i/n to choose a shard yourself")
        }
        return try Shard(index: position + 1, count: count)
    }

    /// Whether the run at 0-based `position` in the expanded order belongs to this shard.
    public func contains(position: Int) -> Bool { position % count == index - 1 }

    public var description: String { "\(index)/\(count)" }
}
