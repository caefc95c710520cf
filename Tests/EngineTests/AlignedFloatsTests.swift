import Testing
@testable import Engine

/// The kernels' 16-float loads stay within one cache line only if buffers start on one.
@Suite struct AlignedFloatsTests {
    @Test func buffersStartOnACacheLineAndZerosAreZero() {
        // Sizes either side of glibc's mmap threshold (128 KB), which served blocks 16 bytes
        // past a page boundary.
        for count in [1, 17, 1_000, 40_000, 1_000_000] {
            let zeros = AlignedFloats.zeros(count), raw = AlignedFloats.allocate(count)
            defer { zeros.deallocate(); raw.deallocate() }
            #expect(Int(bitPattern: zeros) % 64 == 0 && Int(bitPattern: raw) % 64 == 0, "\(count) floats")
            #expect(UnsafeBufferPointer(start: zeros, count: count).allSatisfy { $0 == 0 })
        }
    }

    @Test func parametersAndActivationsStartOnACacheLine() throws {
        let weight = Parameter(name: "w.weight", role: .weight, shape: [300, 500])
        #expect(Int(bitPattern: weight.valuePointer) % 64 == 0 && Int(bitPattern: weight.gradientPointer) % 64 == 0)
        var rng = RandomGenerator(seed: 1)
        let network = try Network(input: Shape(channels: 1, height: 9, width: 9),
                                  layers: [LayerDescription(.flatten), LayerDescription(.relu)], maxBatch: 3, rng: &rng)
        let input = [Float](repeating: 1, count: 243)
        let output = input.withUnsafeBufferPointer { network.forward($0, count: 3, training: true, rng: &rng) }
        #expect(Int(bitPattern: output.baseAddress!) % 64 == 0)
    }
}
