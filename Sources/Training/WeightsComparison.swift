import Foundation
import Results

/// Whether a reproduction's weights files hold the recorded run's weights bit for bit: the same
/// tensors, in the same order and shapes, every value the same float (compared as bits, so that
/// -0 and 0 differ and a NaN equals itself). Only the tensors count: a file's metadata may
/// record what does not change a number.
enum WeightsComparison {
    /// What differs between two weights files, or nil when their tensors are identical.
    static func difference(recorded: String, reproduced: String) throws -> String? {
        let (a, b) = (try TensorArchive(path: recorded), try TensorArchive(path: reproduced))
        guard a.tensors.map(\.name) == b.tensors.map(\.name) else {
            return "the tensors differ: recorded \(a.tensors.map(\.name)), reproduced \(b.tensors.map(\.name))"
        }
        for (x, y) in zip(a.tensors, b.tensors) {
            guard x.dimensions == y.dimensions else {
                return "\(x.name) has shape \(x.dimensions) in the record, \(y.dimensions) in the reproduction"
            }
            let differing = zip(x.values, y.values).filter { $0.bitPattern != $1.bitPattern }.count
            if differing > 0 { return "\(x.name), the first tensor that differs: \(differing) of its \(x.values.count) values" }
        }
        return nil
    }

    /// The two weights files of a run (best and last epoch) compared: the name of each one
    /// compared, and for each that differs, what differs. A file the record has and the
    /// reproduction lacks differs; one neither has is not compared.
    static func compare(recorded: RunFolder, reproduced: RunFolder)
        throws -> (compared: [String], differences: [(file: String, what: String)]) {
        var compared: [String] = [], differences: [(String, String)] = []
        for (original, again) in [(recorded.bestWeights, reproduced.bestWeights), (recorded.lastWeights, reproduced.lastWeights)] {
            guard FileManager.default.fileExists(atPath: original) else { continue }
            let name = (original as NSString).lastPathComponent
            compared.append(name)
            guard FileManager.default.fileExists(atPath: again) else {
                differences.append((name, "the reproduction has none"))
                continue
            }
            if let what = try difference(recorded: original, reproduced: again) { differences.append((name, what)) }
        }
        return (compared, differences)
    }
}
