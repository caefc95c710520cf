/// How a trained network's prediction for a face is formed at test time (validation,
/// `evaluate`, `predict`, `show`).
public enum TestTimeAugmentation: String, CaseIterable, Hashable, Sendable {
    /// The network's output for the face as it is.
    case none
    /// The mean of the output for the face and the output for its mirror image mapped back
    /// (`Flip.targets`): two forward passes, and the left/right asymmetries a net learned from
    /// flipped training faces average out.
    case flip
}
