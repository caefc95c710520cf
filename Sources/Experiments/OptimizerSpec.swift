import Engine
/// Which update rule turns gradients into weight changes (learning rate: `TrainSpec`).
public enum OptimizerSpec: Hashable, Sendable {
    /// Stochastic gradient descent, `w ← w − lr·g` when `momentum` is nil.
    case sgd(momentum: Momentum?)
    /// Adam (Kingma & Ba) with bias correction:
    /// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − lr·m̂/(√v̂ + ε).
    case adam(beta1: Double, beta2: Double, epsilon: Double)

    /// SGD momentum: the coefficient m (constant or a schedule) and the exact update form.
    public struct Momentum: Hashable, Sendable {
        public var coefficient: Schedule
        public var form: Form

        public init(_ coefficient: Schedule, form: Form = Defaults.momentumForm) {
            self.coefficient = coefficient
            self.form = form
        }

        /// The four momentum updates in common use, named for what they compute
        /// (v starts at 0; g is this step's gradient):
        public enum Form: String, CaseIterable, Hashable, Sendable {
            /// v ← m·v − lr·g; w ← w + v
            case classic
            /// v ← m·v + (1−m)·g; w ← w − lr·v (the original report's formula)
            case ema
            /// v' ← m·v + (1−m)·g; w ← w − lr·v; v ← v' — the EMA form as the report's Theano
            /// code ran it: both updates were applied at once, so each step moved w by the
            /// velocity from *before* that step's gradient (the first step does not move w).
            case emaLagged = "ema-lagged"
            /// v ← m·v − lr·g; w ← w + m·v − lr·g (Nesterov's look-ahead, Sutskever's form)
            case nesterov
        }
    }
}
