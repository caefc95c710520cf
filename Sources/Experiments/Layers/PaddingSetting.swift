import Engine
import YAML

/// A window layer's `padding` as the file gives it: pixels on every side (`padding: 1`), or
/// `same`, TensorFlow's: as much as keeps the output ⌈input / stride⌉ (`Padding.same`).
enum PaddingSetting: Hashable, Sendable {
    case pixels(Int)
    case same

    /// The Engine's per-side padding for this input, checked so that a file's huge number
    /// reports "too large" instead of overflowing the Engine's shape arithmetic.
    func resolved(input: Shape, window: Int, stride: Int, label: String) throws(ShapeProblem) -> Padding {
        switch self {
        case .same:
            return Padding.same(input: input, window: window, stride: stride)
        case .pixels(let pixels):
            guard sum(product(2, pixels), max(input.height, input.width)) != nil else {
                throw ShapeProblem("\(label) is too large: its sizes do not fit a 64-bit integer")
            }
            return Padding(pixels)
        }
    }

    var summarySuffix: String {
        switch self {
        case .pixels(0): return ""
        case .pixels(let pixels): return " pad \(pixels)"
        case .same: return " same"
        }
    }

    var tokenSuffix: String {
        switch self {
        case .pixels(0): return ""
        case .pixels(let pixels): return "p\(pixels)"
        case .same: return "same"
        }
    }

    var node: Node {
        switch self {
        case .pixels(let pixels): return plain("\(pixels)")
        case .same: return plain("same")
        }
    }
}

/// Settings with a `padding` key (conv, maxpool, avgpool).
protocol HasPadding {
    var padding: PaddingSetting { get set }
}

extension Key where Spec: HasPadding {
    /// `padding: 1` or `padding: same`. `writesNone: false` leaves no padding out of the
    /// canonical form (pools, which had no padding key before: their run identities stay).
    static func padding(writesNone: Bool) -> Key {
        Key(name: "padding", required: nil,
            decode: { settings, value, path, decoding throws(Diagnostic) in
                if value.scalar?.text == "same", value.scalar?.isPlain == true {
                    settings.padding = .same
                } else if value.scalar?.text == "valid", value.scalar?.isPlain == true {
                    settings.padding = .pixels(0)
                } else {
                    guard let scalar = value.scalar, scalar.isPlain, isIntegerText(scalar.text) else {
                        throw decoding.error("expected a number of pixels or 'same', found \(decoding.found(value, numberExpected: true))",
                                             at: value, path: path)
                    }
                    settings.padding = .pixels(try decoding.integer(value, path, atLeast: 0))
                }
            },
            encode: { settings in writesNone || settings.padding != .pixels(0) ? settings.padding.node : nil },
            samples: [Sample(["padding"], "1"), Sample(["padding"], "same")])
    }
}
