extension Node.Scalar {
    /// Whether this text, written as a plain scalar, could be read as something other than a
    /// string: null (empty, `~`, `null`), a boolean in YAML 1.1 or 1.2 spelling (`yes`, `off`,
    /// `True`, `n` …), or a number (`12`, `-0.5`, `.5`, `1e3`, `0x1F`, `1_000`, `.inf`,
    /// `.NaN`) or timestamp (anything that starts with a digit).
    ///
    /// Deliberately broader than any one YAML version: the emitter quotes such strings, and
    /// a needless pair of quotes costs nothing while a missing one turns a name into a number.
    public var isAmbiguousWhenPlain: Bool {
        let lower = text.lowercased()
        if Self.nonStringWords.contains(lower) { return true }
        var rest = Substring(lower)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        if rest.first == "." { rest = rest.dropFirst() }
        return rest.first?.isASCII == true && rest.first?.isNumber == true
    }

    private static let nonStringWords: Set<String> = [
        "", "~", "null",
        "y", "n", "yes", "no", "true", "false", "on", "off",
        ".inf", "+.inf", "-.inf", ".nan",
    ]
}
