/// The shape of one sample's activation, channels × height × width (NCHW without N).
/// A dense activation is `Shape(channels: units, height: 1, width: 1)`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values per sample.
    public var count: Int { channels * height * width }

    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// Why one layer cannot take its input, e.g. "conv kernel 5×5 is larger than its input 1×3×3".
public struct ShapeProblem: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
