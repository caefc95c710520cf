/// A failure a person can act on, printed as it is (no stack, no type name).
public struct RunnerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
