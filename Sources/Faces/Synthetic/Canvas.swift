/// A point or direction in image coordinates (x right, y down, in pixels; pixel (c, r) covers
/// the square around its centre (c, r)).
struct Vector2 {
    var x: Float
    var y: Float
    init(_ x: Float, _ y: Float) { self.x = x; self.y = y }
    static func + (a: Vector2, b: Vector2) -> Vector2 { Vector2(a.x + b.x, a.y + b.y) }
    static func - (a: Vector2, b: Vector2) -> Vector2 { Vector2(a.x - b.x, a.y - b.y) }
    static func * (k: Float, a: Vector2) -> Vector2 { Vector2(k * a.x, k * a.y) }
    var length: Float { (x * x + y * y).squareRoot() }
    /// Turned a quarter (y down: from "right" to "down").
    var perpendicular: Vector2 { Vector2(-y, x) }
    static func midpoint(_ a: Vector2, _ b: Vector2) -> Vector2 { Vector2((a.x + b.x) / 2, (a.y + b.y) / 2) }
}

/// A 96×96 float canvas (gray values 0–255) with antialiased primitives. Every primitive visits
/// only its bounding box, which keeps drawing a face to a fraction of a millisecond.
struct Canvas {
    static let side = FaceImage.side
    var values = [Float](repeating: 0, count: FaceImage.pixelCount)

    /// How a shape's own gray value varies: flat, or darker towards its rim (v · (1 − shade · r²)).
    enum Shape { case ellipse, box }

    /// Paints the affine disk (or box) {centre + a·axis1 + b·axis2 : a² + b² ≤ 1 (|a|, |b| ≤ 1 for a box)}.
    /// - Parameters:
    ///   - shade: the value falls to value·(1 − shade) at the rim.
    ///   - softness: width in pixels of the edge ramp (1 = antialiased).
    ///   - halfOnly: keep only b ≥ 0 (the half towards axis2), e.g. one lip.
    ///   - ring: draw only a band of this width (pixels) along the rim.
    ///   - opacity: at most this much of the value covers what is below.
    mutating func disk(_ centre: Vector2, _ axis1: Vector2, _ axis2: Vector2, value: Float,
                       shape: Shape = .ellipse, shade: Float = 0, softness: Float = 1,
                       halfOnly: Bool = false, ring: Float? = nil, opacity: Float = 1) {
        let determinant = axis1.x * axis2.y - axis2.x * axis1.y
        guard abs(determinant) > 1e-6 else { return }
        // Inverse of the 2×2 matrix [axis1 axis2].
        let i11 = axis2.y / determinant, i12 = -axis2.x / determinant
        let i21 = -axis1.y / determinant, i22 = axis1.x / determinant
        let radius = min(axis1.length, axis2.length)
        let axis2Length = axis2.length
        let reach = abs(axis1.x) + abs(axis2.x) + softness + 1, reachY = abs(axis1.y) + abs(axis2.y) + softness + 1
        let columns = Canvas.range(centre.x - reach, centre.x + reach)
        let rows = Canvas.range(centre.y - reachY, centre.y + reachY)
        guard !columns.isEmpty, !rows.isEmpty else { return }
        for row in rows {
            let dy = Float(row) - centre.y
            for column in columns {
                let dx = Float(column) - centre.x
                let a = i11 * dx + i12 * dy
                let b = i21 * dx + i22 * dy
                let r: Float
                switch shape {
                case .ellipse: r = (a * a + b * b).squareRoot()
                case .box: r = max(abs(a), abs(b))
                }
                var distance = (r - 1) * radius
                if let ring { distance = abs(distance) - ring / 2 }
                var coverage = min(max(0.5 - distance / softness, 0), 1)
                if halfOnly { coverage *= min(max(0.5 + b * axis2Length, 0), 1) }
                guard coverage > 0 else { continue }
                let shaded = shade == 0 ? value : value * (1 - shade * min(r * r, 1))
                let index = row * Canvas.side + column
                values[index] += coverage * opacity * (shaded - values[index])
            }
        }
    }

    /// A circle of `radius` pixels.
    mutating func circle(_ centre: Vector2, radius: Float, value: Float, softness: Float = 1, opacity: Float = 1) {
        disk(centre, Vector2(radius, 0), Vector2(0, radius), value: value, softness: softness, opacity: opacity)
    }

    /// A stroke with round caps from `start` to `end`, `width` pixels wide.
    mutating func stroke(_ start: Vector2, _ end: Vector2, width: Float, value: Float,
                         softness: Float = 1, opacity: Float = 1) {
        let half = width / 2
        let reach = half + softness + 1
        let columns = Canvas.range(min(start.x, end.x) - reach, max(start.x, end.x) + reach)
        let rows = Canvas.range(min(start.y, end.y) - reach, max(start.y, end.y) + reach)
        guard !columns.isEmpty, !rows.isEmpty else { return }
        let direction = end - start
        let lengthSquared = max(direction.x * direction.x + direction.y * direction.y, 1e-6)
        for row in rows {
            for column in columns {
                let offset = Vector2(Float(column), Float(row)) - start
                let along = min(max((offset.x * direction.x + offset.y * direction.y) / lengthSquared, 0), 1)
                let distance = (offset - along * direction).length - half
                let coverage = min(max(0.5 - distance / softness, 0), 1)
                guard coverage > 0 else { continue }
                let index = row * Canvas.side + column
                values[index] += coverage * opacity * (value - values[index])
            }
        }
    }

    /// Pixel indices from ⌈low⌉ to ⌊high⌋, clipped to the canvas.
    static func range(_ low: Float, _ high: Float) -> Range<Int> {
        let start = max(0, Int(low.rounded(.up))), end = min(side - 1, Int(high.rounded(.down)))
        return start <= end ? start ..< end + 1 : 0 ..< 0
    }

    /// Multiplies by a linear light ramp: 1 + strength · ((x − 48)·cos α + (y − 48)·sin α) / 48.
    mutating func light(strength: Float, angle: Float) {
        let cx = strength * cosine(angle) / 48, cy = strength * sine(angle) / 48
        for row in 0 ..< Canvas.side {
            for column in 0 ..< Canvas.side {
                values[row * Canvas.side + column] *= 1 + cx * Float(column - 48) + cy * Float(row - 48)
            }
        }
    }

    /// Mixes in a [1 2 1]/4 ⊗ [1 2 1]/4 blur by `amount` (0: none, 1: fully blurred); edges clamp.
    mutating func blur(amount: Float) {
        let side = Canvas.side
        var horizontal = values
        for row in 0 ..< side {
            for column in 0 ..< side {
                let left = values[row * side + max(column - 1, 0)], right = values[row * side + min(column + 1, side - 1)]
                horizontal[row * side + column] = (left + 2 * values[row * side + column] + right) / 4
            }
        }
        for row in 0 ..< side {
            for column in 0 ..< side {
                let up = horizontal[max(row - 1, 0) * side + column], down = horizontal[min(row + 1, side - 1) * side + column]
                let blurred = (up + 2 * horizontal[row * side + column] + down) / 4
                values[row * side + column] += amount * (blurred - values[row * side + column])
            }
        }
    }

    /// Adds noise of standard deviation `sigma`, rounds and clips to bytes, writing into `pixels`.
    func quantize(noise sigma: Float, using generator: inout SplitMix64, into pixels: UnsafeMutablePointer<UInt8>) {
        for index in 0 ..< values.count {
            let value = values[index] + sigma * generator.normal()
            pixels[index] = UInt8(min(max(value.rounded(), 0), 255))
        }
    }
}

/// Sine by a Taylor polynomial in Double on [−π, π] (error < 1e-6): only IEEE additions and
/// multiplications, so the synthetic faces are the same bytes on every platform, which a
/// library `sin` does not promise.
func sine(_ angle: Float) -> Float {
    let twoPi = 6.283185307179586
    var x = Double(angle)
    x -= twoPi * (x / twoPi).rounded()
    let x2 = x * x
    var term = x, sum = x
    for n in stride(from: 2, through: 16, by: 2) {
        term *= -x2 / Double(n * (n + 1))
        sum += term
    }
    return Float(sum)
}

/// cos θ = sin(θ + π/2).
func cosine(_ angle: Float) -> Float { sine(angle + 1.5707963267948966) }
