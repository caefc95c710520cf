/// The typed experiment spec (filled in by the foundation issue).
public struct Experiment: Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}
