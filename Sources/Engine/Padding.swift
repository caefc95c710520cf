/// What is added around an input before a window (a convolution's kernel, a pool's window)
/// slides over it, on each side separately: zeros for a convolution and an average pool
/// (which divides by the values inside the input only), nothing a max-pool can pick.
public struct Padding: Hashable, Sendable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// The same amount on every side.
    public init(_ all: Int) { self.init(top: all, left: all, bottom: all, right: all) }

    public static let none = Padding(0)

    /// TensorFlow's "same": the output is ⌈input / stride⌉ in each direction; the padding that
    /// needs, max((output − 1)·stride + window − input, 0), is split with the odd one at the
    /// bottom and right. At stride 1 and an odd window it is (window − 1)/2 on every side.
    public static func same(input: Shape, window: Int, stride: Int) -> Padding {
        func split(_ size: Int) -> (Int, Int) {
            let output = (size + stride - 1) / stride
            let total = max((output - 1) * stride + window - size, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(input.height), (left, right) = split(input.width)
        return Padding(top: top, left: left, bottom: bottom, right: right)
    }

    public var isNone: Bool { self == .none }
    /// Every side the same.
    public var isUniform: Bool { top == left && left == bottom && bottom == right }

    /// `1` when uniform, else `top,left,bottom,right`.
    public var description: String { isUniform ? "\(top)" : "\(top),\(left),\(bottom),\(right)" }
}

/// A per-channel y = x·scale + shift that a fused pass may apply as it reads a convolution's
/// output: batch normalisation at inference. The layer's own inference forward computes
/// exactly `x * scale[c] + shift[c]` from the same two arrays, so fusing changes no bits.
public protocol ChannelAffine: AnyObject {
    /// `scale[c]` and `shift[c]` for every channel, from the layer's current state.
    func inferenceAffine() -> (scale: [Float], shift: [Float])
}
