/// A byte count in binary units with one decimal, for messages about memory: `9.0 KiB`,
/// `125.8 GiB`, `8.2 EiB`; beyond yobibytes, in scientific notation.
public func byteCountText(_ bytes: Double) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    var value = bytes
    for (index, unit) in units.enumerated() {
        if value < 1024 || index == units.count - 1 && value < 1e12 {
            return index == 0 ? "\(Int(value)) bytes" : "\(fixed(value, decimals: 1)) \(unit)"
        }
        value /= 1024
    }
    return "\(bytes) bytes"
}
