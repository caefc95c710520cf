import ArgumentParser

/// The thread counts the command line accepts: 1 to far more cores than any machine kplab runs
/// on has. A larger count would not run faster: it would start a system thread per chunk of
/// work until the system refuses one (a crash), or overflow the chunk count near Int.max.
enum ThreadCount {
    static let maximum = 1024

    /// - Throws: `ValidationError` naming `option` when `threads` is given and out of range.
    static func check(_ threads: Int?, option: String = "--threads") throws {
        guard let threads, !(1 ... maximum).contains(threads) else { return }
        throw ValidationError("\(option) must be 1 to \(maximum), got \(threads)")
    }
}
