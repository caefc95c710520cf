import Results

/// What the terminal says when a run's output collapses (`CollapseDetector`, in Results,
/// finds it).
extension CollapseDetector {
    /// What the terminal says, once, when a run's output collapses. `recordingDiagnostics`:
    /// the run writes diagnostics.csv already, so it is not told to.
    public static func warning(since epoch: Int, spread: Double, recordingDiagnostics: Bool = false) -> String {
        let percent = spread * 100 < 0.01 ? "less than 0.01"
            : spread * 100 < 1 ? String(format: "%.2f", spread * 100) : String(format: "%.0f", spread * 100)
        return """
            warning: the output has collapsed: since epoch \(epoch) the predictions vary from face to face only \
            \(percent)% as much as the true keypoints do (output_spread \(String(format: "%.3g", spread)) < \(threshold) \
            for \(patience)+ epochs), so the net predicts nearly the same face whatever the input. Likely causes to check:
              - dead ReLUs: units that output 0 for every face pass no gradient and never recover \
            (dead_fraction in diagnostics.csv\(recordingDiagnostics ? "" : "; train with --diagnostics"));
              - a bias-dominated output: the last layer's bias holds the mean face while the layers below \
            output almost nothing (bias_share near 1, activation_std near 0 in diagnostics.csv);
              - the learning rate: too high kills units in the first steps, too low never moves off the mean face \
            (weight_update_ratio in diagnostics.csv; about 1e-3 is typical).
            When the run ends, kplab diagnose RUN says which of these its records show.
            """
    }

    /// What the terminal says, once, when a cascade's level-2 net collapses.
    public static func level2Warning(net: String, since epoch: Int, spread: Double) -> String {
        "warning: level-2 net \(net) has collapsed: since epoch \(epoch) its output_spread is below \(threshold) "
            + "(\(String(format: "%.3g", spread)) now): it moves its keypoints by the same offset whatever its patch "
            + "shows; when the run ends, kplab diagnose says more"
    }
}
