/// Products and sums of sizes that come from a file (filters, units, padding, grid lists):
/// any of them may be in the billions, and Swift's `*` and `+` trap on overflow, which would
/// kill the process instead of reporting the line. nil means "does not fit an `Int`", and a
/// nil term makes the whole result nil, so that checked results can be chained.

func product(_ factors: [Int?]) -> Int? {
    var result = 1
    for factor in factors {
        guard let factor else { return nil }
        let (next, overflow) = result.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        result = next
    }
    return result
}

func product(_ factors: Int?...) -> Int? { product(factors) }

func sum(_ terms: [Int?]) -> Int? {
    var result = 0
    for term in terms {
        guard let term else { return nil }
        let (next, overflow) = result.addingReportingOverflow(term)
        if overflow { return nil }
        result = next
    }
    return result
}

func sum(_ terms: Int?...) -> Int? { sum(terms) }
