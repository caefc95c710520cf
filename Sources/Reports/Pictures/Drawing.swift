/// Shapes for marking keypoints: antialiased by coverage (a one-pixel ramp at every edge), so
/// markers a few pixels across still look round.
extension RGBImage {
    /// Mixes `color` into (x, y) by `alpha` ∈ [0, 1]: new = old + alpha · (color − old).
    /// Points outside the picture are ignored.
    public mutating func blend(x: Int, y: Int, _ color: RGB, alpha: Float) {
        guard contains(x: x, y: y), alpha > 0 else { return }
        let a = min(alpha, 1)
        let offset = (y * width + x) * 3
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 {
            UInt8((Float(old) + a * (Float(new) - Float(old))).rounded())
        }
        bytes[offset] = mix(bytes[offset], color.red)
        bytes[offset + 1] = mix(bytes[offset + 1], color.green)
        bytes[offset + 2] = mix(bytes[offset + 2], color.blue)
    }

    /// Draws a 96×96-style grayscale image (side × side bytes, row-major) enlarged `scale` times
    /// by nearest neighbour — each source pixel becomes a scale × scale square, so what is drawn
    /// is exactly what the network saw — with its top-left corner at (x, y).
    public mutating func draw(grayscale pixels: ArraySlice<UInt8>, side: Int, x: Int, y: Int, scale: Int) {
        precondition(pixels.count == side * side, "draw(grayscale:): \(pixels.count) pixels for a \(side)×\(side) image")
        let start = pixels.startIndex
        for row in 0 ..< side {
            for column in 0 ..< side {
                let level = pixels[start + row * side + column]
                fill(x: x + column * scale, y: y + row * scale, width: scale, height: scale, with: .gray(level))
            }
        }
    }

    /// A filled disc of `radius` pixels around the continuous point (centreX, centreY), where
    /// pixel (c, r) covers [c, c + 1) × [r, r + 1).
    public mutating func fillCircle(centreX: Float, centreY: Float, radius: Float, _ color: RGB) {
        shade(centreX: centreX, centreY: centreY, reach: radius + 1) { distance in radius + 0.5 - distance }
            .forEach { blend(x: $0.x, y: $0.y, color, alpha: $0.coverage) }
    }

    /// A ring: the band of `thickness` pixels centred on the circle of `radius`.
    public mutating func strokeCircle(centreX: Float, centreY: Float, radius: Float, thickness: Float, _ color: RGB) {
        shade(centreX: centreX, centreY: centreY, reach: radius + thickness + 1) { distance in
            thickness / 2 + 0.5 - abs(distance - radius)
        }.forEach { blend(x: $0.x, y: $0.y, color, alpha: $0.coverage) }
    }

    /// A straight stroke `thickness` pixels wide from (x0, y0) to (x1, y1), square-ended.
    public mutating func drawLine(fromX x0: Float, y y0: Float, toX x1: Float, y y1: Float, thickness: Float, _ color: RGB) {
        let dx = x1 - x0, dy = y1 - y0
        let lengthSquared = dx * dx + dy * dy
        let half = thickness / 2
        let left = max(0, Int((min(x0, x1) - half - 1).rounded(.down)))
        let right = min(width - 1, Int((max(x0, x1) + half + 1).rounded(.up)))
        let top = max(0, Int((min(y0, y1) - half - 1).rounded(.down)))
        let bottom = min(height - 1, Int((max(y0, y1) + half + 1).rounded(.up)))
        guard left <= right, top <= bottom else { return }
        for row in top ... bottom {
            for column in left ... right {
                let px = Float(column) + 0.5, py = Float(row) + 0.5
                // Distance from the pixel centre to the segment.
                let t = lengthSquared == 0 ? 0 : min(max(((px - x0) * dx + (py - y0) * dy) / lengthSquared, 0), 1)
                let ex = px - (x0 + t * dx), ey = py - (y0 + t * dy)
                let distance = (ex * ex + ey * ey).squareRoot()
                blend(x: column, y: row, color, alpha: min(max(half + 0.5 - distance, 0), 1))
            }
        }
    }

    /// The pixels within `reach` of a centre with their coverage, given coverage as a function of
    /// the distance from the pixel's centre to (centreX, centreY) (clamped to [0, 1]).
    private func shade(centreX: Float, centreY: Float, reach: Float,
                       coverage: (Float) -> Float) -> [(x: Int, y: Int, coverage: Float)] {
        var result: [(x: Int, y: Int, coverage: Float)] = []
        let left = max(0, Int((centreX - reach).rounded(.down))), right = min(width - 1, Int((centreX + reach).rounded(.up)))
        let top = max(0, Int((centreY - reach).rounded(.down))), bottom = min(height - 1, Int((centreY + reach).rounded(.up)))
        guard left <= right, top <= bottom else { return result }
        for row in top ... bottom {
            for column in left ... right {
                let dx = Float(column) + 0.5 - centreX, dy = Float(row) + 0.5 - centreY
                let value = min(max(coverage((dx * dx + dy * dy).squareRoot()), 0), 1)
                if value > 0 { result.append((column, row, value)) }
            }
        }
        return result
    }
}
