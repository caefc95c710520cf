/// What a layer can be to the execution plan's fusion pass (`ExecutionPlan`): the parts of the
/// pattern convolution → (per-channel affine) → ReLU or leaky ReLU → max-pool, which runs as
/// one pass per sample wherever each value in it has a single consumer. Each layer says
/// which part it can be; the plan never looks at types.
public enum FusionRole: Hashable, Sendable {
    /// Can start the pattern (a convolution).
    case convolution
    /// A fixed per-channel y = x·scale + shift at inference (`ChannelAffine`); it joins the
    /// pattern only in an inference plan, because in training its statistics come from the
    /// whole batch, which a per-sample pass never sees.
    case channelAffine
    /// y = x > 0 ? x : negativeSlope·x.
    case activation(negativeSlope: Float)
    /// Ends the pattern (a max-pool whose windows the fused pass can record).
    case maxPool
    /// Moves no values (flatten): an in-place reshape, safe on the caller's input.
    case reshape
    case other
}

extension Layer {
    public var fusionRole: FusionRole { .other }
}

extension Convolution {
    public var fusionRole: FusionRole { .convolution }
}

extension ReLU {
    public var fusionRole: FusionRole { .activation(negativeSlope: 0) }
}

extension MaxPool {
    public var fusionRole: FusionRole { Self.fusionRole(size: size, padding: padding) }

    /// A pool ends a fused pass when the fused pass can record its windows' maxima and it
    /// has no padding (the fused pass reads whole windows).
    public static func fusionRole(size: Int, padding: Padding) -> FusionRole {
        size <= ConvolutionActivationPool.largestWindow && padding.isNone ? .maxPool : .other
    }
}

extension LeakyReLU {
    public var fusionRole: FusionRole { .activation(negativeSlope: slope) }
}

extension BatchNorm {
    public var fusionRole: FusionRole { .channelAffine }
}

extension Flatten {
    public var fusionRole: FusionRole { .reshape }
}
