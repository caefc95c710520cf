@testable import Experiments

extension Decoding {
    /// The `train` table's key names, by the name the suggestion tests in DecodingTests
    /// knew them under before the table held them.
    static var trainKeys: [String] { TrainSpec.keys.names }
}
