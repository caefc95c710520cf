/// A failure a person can act on, printed as it is (no stack, no type name). Two are equal
/// when they say the same thing.
public struct UserError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
