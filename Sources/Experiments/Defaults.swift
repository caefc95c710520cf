import Engine
import Faces

/// Every default of an experiment file, in one place. A key left out of a file takes the
/// value below; `Experiment.canonicalNode` writes all of them out, so a run's `config.yaml`
/// never depends on this table.
///
/// | Key                                  | Default                    | Allowed                                                      |
/// |--------------------------------------|----------------------------|--------------------------------------------------------------|
/// | `name`                               | the file's name, no `.yaml`| letters, digits, `.`, `_`, `-`; at most 200                  |
/// | `seed`                               | chosen at random, recorded | integer 0 … 2⁶⁴−1                                            |
/// | `data.train`                         | (none: synthetic faces)    | path to a Kaggle `training.csv`-format file, relative to the experiment file's folder (`--set`: the working directory) |
/// | `data.synthetic.count`               | 2000                       | ≥ 2                                                          |
/// | `data.synthetic.seed`                | 1                          | integer 0 … 2⁶⁴−1                                            |
/// | `data.synthetic.missing_labels`      | false                      | true, false                                                  |
/// | `data.validation`                    | `{holdout: 400}`           | `{holdout: N}` (N ≥ 1) or `{fraction: f, shuffle: b}`        |
/// | `data.validation.shuffle`            | true (with `fraction`)     | true, false                                                  |
/// | `data.rows`                          | all                        | all, complete                                                |
/// | `data.missing`                       | mask                       | mask, drop                                                   |
/// | `data.augment.flip`                  | false                      | true, false                                                  |
/// | `data.augment.shift` / `rotate` / `scale` / `brightness` / `contrast` | none | amount (always), or `{amount: a, probability: p}`: ± pixels (≤ 48) / ± degrees (≤ 180) / factor 1 ± a (a ≤ 0.9) / ± normalised level (≤ 1) / factor 1 ± a (a ≤ 0.9) |
/// | `model.init.weights`                 | xavier                     | xavier, he                                                   |
/// | `model.init.distribution`            | uniform                    | normal, uniform                                              |
/// | `model.init.bias`                    | 0                          | any number                                                   |
/// | `model.layers`                       | **required**               | conv, maxpool, avgpool, global_avgpool, dense, relu, leaky_relu, dropout, batchnorm, flatten, add, concat |
/// | `….name` / `….input`                 | kind and count / the layer above | a letter, then letters, digits, `_`, `-` (at most 64) / a name above, or `input` |
/// | `conv.stride` / `conv.padding`       | 1 / 0                      | ≥ 1 / ≥ 0 or `same`                                          |
/// | `maxpool.stride`, `avgpool.stride` / `.padding` | the pool size / 0 | ≥ 1 / 0 … size − 1 or `same`                            |
/// | `leaky_relu.slope`                   | 0.01                       | [0, 1)                                                       |
/// | `batchnorm.momentum` / `.epsilon`    | 0.1 / 1e-05                | [0, 1] / > 0                                                 |
/// | `add` / `concat` `inputs`            | **required**               | two or more names                                            |
/// | `train.epochs`                       | **required**               | ≥ 1                                                          |
/// | `train.batch_size`                   | 128                        | ≥ 1                                                          |
/// | `train.shuffle`                      | true                       | true, false                                                  |
/// | `train.last_batch`                   | keep                       | keep, drop, end-before-last-row                              |
/// | `train.optimizer`                    | sgd (no momentum)          | `sgd`, `{sgd: {momentum: m, form: …}}`, `adam`, `{adam: …}`  |
/// | `…sgd.form`                          | classic                    | classic, ema, ema-lagged, nesterov (`nesterov: true` = nesterov) |
/// | `…adam.beta1` / `beta2` / `epsilon`  | 0.9 / 0.999 / 1e-08        | [0, 1) / [0, 1) / > 0                                        |
/// | `train.learning_rate`                | 0.01 (sgd), 0.001 (adam)   | > 0, or `{linear: {from, to}}`, `{step: {from, every, factor}}`, `{cosine: {from, to}}` |
/// | `train.l2`                           | 0                          | ≥ 0                                                          |
/// | `train.early_stopping`               | off                        | `{patience: N, min_delta: d}`; `min_delta` defaults to 0     |
/// | `train.max_wall_time`                | none                       | seconds, or a string like `90s`, `30m`, `2h`                 |
/// | `train.diagnostics`                  | false                      | true, false                                                  |
/// | `train.tta`                          | none                       | none, flip (validation scores each face's mean with its mirror's prediction; the run's default for evaluate, predict, show) |
///
/// The network's input is 1×96×96 and its output must be 30 values (15 keypoints × x, y).
public enum Defaults {
    public static let syntheticCount = 2000
    public static let syntheticSeed: UInt64 = 1
    public static let syntheticMissingLabels = false
    public static let syntheticFaces = SyntheticFaces(count: syntheticCount, seed: syntheticSeed,
                                                      missingLabels: syntheticMissingLabels)
    public static let validation = ValidationSplit.holdout(400)
    public static let validationShuffle = true
    public static let rows = RowSelection.all
    public static let missing = MissingValues.mask
    public static let flip = false

    /// Xavier-uniform with zero bias: Glorot's scheme, the original report's choice and the
    /// usual default of Keras and Lasagne.
    public static let initializer = InitializerSpec(scheme: .xavier, distribution: .uniform, bias: 0)
    public static let convStride = 1
    public static let convPadding = 0

    public static let batchSize = 128
    public static let shuffle = true
    public static let lastBatch = LastBatch.keep
    public static let optimizer = OptimizerSpec.sgd(momentum: nil)
    public static let momentumForm = OptimizerSpec.Momentum.Form.classic
    public static let adamBeta1 = 0.9
    public static let adamBeta2 = 0.999
    public static let adamEpsilon = 1e-8
    public static let l2 = 0.0
    public static let earlyStoppingMinDelta = 0.0
    public static let diagnostics = false
    public static let testTimeAugmentation = TestTimeAugmentation.none

    /// 0.01 for SGD, 0.001 for Adam (the rates each is usually started with).
    public static func learningRate(for optimizer: OptimizerSpec) -> Double {
        switch optimizer {
        case .sgd: return 0.01
        case .adam: return 0.001
        }
    }
}
