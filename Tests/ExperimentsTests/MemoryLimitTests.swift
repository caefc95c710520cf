@testable import Experiments
import Foundation
import Testing
import YAML

/// Settings that would need more memory than the machine has are errors at the setting, with
/// the estimate in the message, before anything is allocated; sizes too large to count are
/// errors at the layer instead of overflow traps.
@Suite struct MemoryLimitTests {
    static let gibibyte = 1 << 30

    /// The whole message of decoding `text` as `x.yaml` with `sets`, under a 1 GiB limit.
    func failure(_ text: String, _ sets: [String] = [], memoryLimit: Int = gibibyte) -> String? {
        do {
            let overrides = try sets.map { text throws(Diagnostic) in try Override(parsing: text) }
            _ = try Experiment.decode(text: text, path: "x.yaml", overrides: overrides, memoryLimit: memoryLimit)
            return nil
        } catch {
            return error.description
        }
    }

    static let minimal = "model: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n"

    @Test func tooManySyntheticFacesPointAtTheCount() {
        #expect(failure("data: {synthetic: {count: 1000000}}\n" + Self.minimal) == """
            x.yaml:1:27: this run needs at least 8.7 GiB of memory, more than this machine's 1.0 GiB: \
            1,000,000 synthetic faces 8.7 GiB, parameters with their gradients and optimizer state 2.1 MiB, \
            activations of a batch of 128 4.5 MiB; generate fewer faces
            data: {synthetic: {count: 1000000}}
                                      ^
            """)
    }

    @Test func aBatchThatAloneDoesNotFitPointsAtTheBatchSize() {
        #expect(failure("data: {train: faces.csv}\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1, batch_size: 100000}\n") == """
            x.yaml:3:32: this run needs at least 3.5 GiB of memory, more than this machine's 1.0 GiB: \
            parameters with their gradients and optimizer state 2.1 MiB, activations of a batch of 100,000 3.5 GiB; \
            use a smaller batch_size
            train: {epochs: 1, batch_size: 100000}
                                           ^
            """)
    }

    @Test func aLeftOutBatchSizePointsAtTrain() {
        let text = "data: {train: faces.csv}\nmodel: {layers: [flatten, {dense: 30}]}\ntrain:\n  epochs: 1\n"
        #expect(failure(text, memoryLimit: 4 << 20)?.hasPrefix("x.yaml:3:1: this run needs at least 6.6 MiB of memory") == true)
    }

    @Test func aNetworkTooLargeForOneImagePointsAtTheLayerWhereItStopsFitting() {
        #expect(failure("model: {layers: [flatten, {dense: 100000000}, {dense: 30}]}\ntrain: {epochs: 1}\n") == """
            x.yaml:1:27: model.layers.1: this run needs at least 6.8 TiB of memory, more than this machine's 1.0 GiB: \
            2,000 synthetic faces 17.8 MiB, parameters with their gradients and optimizer state 6.7 TiB, \
            activations of a batch of 128 95.4 GiB; even for one image the layers up to this one take 6.7 TiB: make it smaller
            model: {layers: [flatten, {dense: 100000000}, {dense: 30}]}
                                      ^
            """)
    }

    @Test func aLayerSetOnTheCommandLineIsReportedAgainstTheSet() {
        let layers = "model: {layers: [flatten, {dense: 100}, {dense: 30}]}\ntrain: {epochs: 1}\n"
        #expect(failure(layers, ["model.layers.1.dense=100000000000"])?.hasPrefix(
            "--set model.layers.1.dense=100000000000: model.layers.1: this run needs at least") == true)
        #expect(failure(Self.minimal, ["data.synthetic.count=1000000000000"])?.hasPrefix(
            "--set data.synthetic.count=1000000000000: this run needs at least") == true)
    }

    @Test func theOptimizerStateCounts() throws {
        let dense = "model: {layers: [flatten, {dense: 20000}, {dense: 30}]}\n"
        // 9216 × 20000 weights: 1.4 GiB with gradients (plain SGD), 2.7 GiB with Adam's moments.
        #expect(failure(dense + "train: {epochs: 1}\n", memoryLimit: 2 * Self.gibibyte) == nil)
        #expect(failure(dense + "train: {epochs: 1, optimizer: adam}\n", memoryLimit: 2 * Self.gibibyte)?.hasPrefix(
            "x.yaml:1:27: model.layers.1: this run needs at least 2.8 GiB") == true)
    }

    /// With the machine's own memory: what the issue reported, each refused at its setting.
    @Test func whatCrashedThisMachineIsRefused() {
        let refusals: [(text: String, prefix: String)] = [
            ("data: {synthetic: {count: 1000000000000}}\n" + Self.minimal, "x.yaml:1:27: this run needs at least 8.3 PiB"),
            ("model: {layers: [{conv: {filters: 5000000, kernel: 3}}, flatten, {dense: 30}]}\ntrain: {epochs: 1}\n",
             "x.yaml:1:18: model.layers.0: this run needs at least "),
            ("model: {layers: [flatten, {dense: 10000000000}, {dense: 30}]}\ntrain: {epochs: 1}\n",
             "x.yaml:1:27: model.layers.1: this run needs at least "),
            ("model: {layers: [{conv: {filters: 1, kernel: 3, padding: 10000000}}, flatten, {dense: 30}]}\ntrain: {epochs: 1}\n",
             "x.yaml:1:18: model.layers.0: this run needs at least "),
            ("data: {train: faces.csv}\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1, batch_size: 1000000000000}\n",
             "x.yaml:3:32: this run needs at least "),
        ]
        for (text, prefix) in refusals {
            let message = failure(text, memoryLimit: PhysicalMemory.bytes)
            #expect(message?.hasPrefix(prefix) == true, "\(message ?? "no error")")
        }
    }

    /// A synthetic run's batch holds at most every face, so a huge batch size alone is not
    /// refused there; the run's batches are never larger than the data.
    @Test func aBatchLargerThanTheSyntheticFacesCountsOnlyTheFaces() {
        #expect(failure(Self.minimal.replacingOccurrences(of: "epochs: 1", with: "epochs: 1, batch_size: 1000000000000"),
                        memoryLimit: PhysicalMemory.bytes) == nil)
    }

    @Test(arguments: [
        ("{conv: {filters: 9223372036854775807, kernel: 3}}",
         "conv 9223372036854775807@3×3 is too large: its sizes do not fit a 64-bit integer"),
        ("{conv: {filters: 1, kernel: 3, padding: 4611686018427387904}}",
         "conv 1@3×3 pad 4611686018427387904 is too large: its sizes do not fit a 64-bit integer"),
        ("{conv: {filters: 1000000000000000, kernel: 96}}",
         "conv 1000000000000000@96×96 is too large: its sizes do not fit a 64-bit integer"),
    ])
    func sizesTooLargeToCountAreErrorsAtTheLayer(layer: String, message: String) {
        #expect(failure("model: {layers: [\(layer), flatten, {dense: 30}]}\ntrain: {epochs: 1}\n")?
            .hasPrefix("x.yaml:1:18: model.layers.0: \(message)\n") == true)
    }

    @Test func aDenseLayerTooLargeToCountIsAnErrorAtIt() {
        #expect(failure("model: {layers: [flatten, {dense: 9223372036854775807}]}\ntrain: {epochs: 1}\n")?
            .hasPrefix("x.yaml:1:27: model.layers.1: dense 9223372036854775807 is too large: its sizes do not fit a 64-bit integer\n") == true)
    }

    @Test func totalsTooLargeToCountAreAnErrorAtTheLayerThatOverflowsThem() {
        // 2 · 5·10¹⁴ · 9216 FLOPs fit an Int; the next layer's push the total past Int.max.
        #expect(failure("model: {layers: [flatten, {dense: 500000000000000}, {dense: 30}]}\ntrain: {epochs: 1}\n")?
            .hasPrefix("x.yaml:1:53: model.layers.2: the network is too large: its parameters or FLOPs up to dense 30 "
                       + "do not fit a 64-bit integer\n") == true)
    }
}
