/// One random transform's size and how often it applies: with probability `probability` a
/// training face gets a value drawn uniformly from ±`amount` (what the amount means is the
/// transform's: pixels, degrees, a relative factor), otherwise none.
public struct TransformRange: Hashable, Sendable {
    public var amount: Float
    public var probability: Float

    public init(amount: Float, probability: Float = 1) {
        precondition(amount >= 0 && (0 ... 1).contains(probability), "TransformRange: amount ≥ 0, probability in [0, 1]")
        self.amount = amount
        self.probability = probability
    }
}

/// The augmentations beyond the flip (`data.augment`): each face of each epoch is shifted,
/// rotated and scaled about the image's centre by one bilinear warp, its keypoints mapped
/// through the same matrix, then its brightness and contrast changed. Every draw comes from
/// stream (epoch, face) of the plan's seed, so a face's transform does not depend on the batch
/// order, the thread count or whether training resumed.
public struct RandomTransforms: Hashable, Sendable {
    /// Pixels, x and y each uniform in ±amount.
    public var shift: TransformRange?
    /// Degrees, uniform in ±amount.
    public var rotate: TransformRange?
    /// A factor uniform in 1 ± amount (0.1: 90% to 110%).
    public var scale: TransformRange?
    /// Added to every normalised pixel (pixel / 256), uniform in ±amount.
    public var brightness: TransformRange?
    /// Each pixel's distance from the image's mean multiplied by a factor uniform in 1 ± amount.
    public var contrast: TransformRange?

    public init(shift: TransformRange? = nil, rotate: TransformRange? = nil, scale: TransformRange? = nil,
                brightness: TransformRange? = nil, contrast: TransformRange? = nil) {
        self.shift = shift
        self.rotate = rotate
        self.scale = scale
        self.brightness = brightness
        self.contrast = contrast
    }

    /// No transform is configured: batches are exactly those of flips alone.
    public var isEmpty: Bool { shift == nil && rotate == nil && scale == nil && brightness == nil && contrast == nil }

    /// The stream of `seed` a face's draws come from in an epoch: apart from the epoch's own
    /// stream (its order and flips, stream `epoch`) by the top bit.
    static func stream(epoch: Int, face: Int) -> UInt64 {
        (1 << 63) | (UInt64(truncatingIfNeeded: epoch) << 32) | UInt64(truncatingIfNeeded: face) & 0xFFFF_FFFF
    }

    /// Face `face`'s transform in epoch `epoch`. Every configured transform takes its draws
    /// (whether it applies, then its values) whether or not it applies, so that one
    /// transform's probability never changes another's value.
    public func draw(seed: UInt64, epoch: Int, face: Int) -> SampleTransform {
        var generator = SplitMix64(seed: seed, stream: Self.stream(epoch: epoch, face: face))
        /// `count` values of `range` (a shift has two), or zeros when it does not apply.
        func values(_ range: TransformRange?, _ count: Int = 1) -> [Float] {
            guard let range else { return [Float](repeating: 0, count: count) }
            let applies = generator.chance(range.probability)
            let drawn = (0 ..< count).map { _ in generator.uniform(-range.amount ... range.amount) }
            return applies ? drawn : [Float](repeating: 0, count: count)
        }
        // In this order: a shift's two values, then one for each other transform.
        let offset = values(shift, 2), degrees = values(rotate)[0], relativeScale = values(scale)[0]
        let level = values(brightness)[0], relativeContrast = values(contrast)[0]
        return SampleTransform(shiftX: offset[0], shiftY: offset[1], degrees: degrees, scale: 1 + relativeScale,
                               brightness: level, contrast: 1 + relativeContrast)
    }
}

/// One face's drawn transform. Geometry, in pixel coordinates (pixel centres at 0 … 95), after
/// any flip: p' = centre + scale·R(degrees)·(p − centre) + shift, centre = (47.5, 47.5). The
/// image is resampled through the inverse (bilinear, edges repeated), so image and keypoints
/// move together. Then each normalised pixel v becomes (v − mean)·contrast + mean + brightness,
/// kept within [0, 255/256].
public struct SampleTransform: Sendable, Equatable {
    public let shiftX: Float, shiftY: Float
    public let degrees: Float, scale: Float
    public let brightness: Float, contrast: Float
    /// The forward linear part, row-major, and its inverse.
    let forward: (Float, Float, Float, Float)
    let inverse: (Float, Float, Float, Float)

    public static let centre: Float = 47.5

    public init(shiftX: Float = 0, shiftY: Float = 0, degrees: Float = 0, scale: Float = 1,
                brightness: Float = 0, contrast: Float = 1) {
        precondition(scale > 0, "SampleTransform: scale must be positive")
        self.shiftX = shiftX
        self.shiftY = shiftY
        self.degrees = degrees
        self.scale = scale
        self.brightness = brightness
        self.contrast = contrast
        // Faces' own sine: the same bits on every machine, unlike libm's.
        let radians = degrees * (Float.pi / 180)
        let c = cosine(radians), s = sine(radians)
        forward = (scale * c, -scale * s, scale * s, scale * c)
        inverse = (c / scale, s / scale, -s / scale, c / scale)
    }

    public static func == (left: SampleTransform, right: SampleTransform) -> Bool {
        (left.shiftX, left.shiftY, left.degrees, left.scale, left.brightness, left.contrast)
            == (right.shiftX, right.shiftY, right.degrees, right.scale, right.brightness, right.contrast)
    }

    var movesPixels: Bool { shiftX != 0 || shiftY != 0 || degrees != 0 || scale != 1 }
    var changesLevels: Bool { brightness != 0 || contrast != 1 }

    /// Where the point (x, y) goes, or nil when it leaves the frame [0, 95]²: such a keypoint
    /// is masked, never clipped into a wrong label.
    public func map(x: Float, y: Float) -> (x: Float, y: Float)? {
        let c = Self.centre, dx = x - c, dy = y - c
        let mappedX = c + (forward.0 * dx + forward.1 * dy) + shiftX
        let mappedY = c + (forward.2 * dx + forward.3 * dy) + shiftY
        let last = Float(FaceImage.side - 1)
        guard (0 ... last).contains(mappedX), (0 ... last).contains(mappedY) else { return nil }
        return (mappedX, mappedY)
    }

    /// Applies the transform to one normalised 96×96 image in place; `scratch` holds 96×96 floats.
    public func apply(to image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let side = FaceImage.side, count = FaceImage.pixelCount
        if movesPixels {
            scratch.update(from: image, count: count)
            let c = Self.centre, last = Float(side - 1), (i0, i1, i2, i3) = inverse
            for row in 0 ..< side {
                // The source point moves by (i0, i2) per column: the row's part is computed once.
                let dy = Float(row) - c - shiftY
                let rowX = c + i1 * dy, rowY = c + i3 * dy, out = image + row * side
                for column in 0 ..< side {
                    let dx = Float(column) - c - shiftX
                    var x = rowX + i0 * dx, y = rowY + i2 * dx
                    x = x < 0 ? 0 : (x > last ? last : x)
                    y = y < 0 ? 0 : (y > last ? last : y)
                    let x0 = Int(x), y0 = Int(y)
                    let x1 = x0 < side - 1 ? x0 + 1 : x0, y1 = y0 < side - 1 ? y0 + 1 : y0
                    let fx = x - Float(x0), fy = y - Float(y0)
                    let top = scratch + y0 * side, bottom = scratch + y1 * side
                    let upper = top[x0] + (top[x1] - top[x0]) * fx
                    let lower = bottom[x0] + (bottom[x1] - bottom[x0]) * fx
                    out[column] = upper + (lower - upper) * fy
                }
            }
        }
        if changesLevels {
            var sum: Float = 0
            for index in 0 ..< count { sum += image[index] }
            let mean = sum / Float(count), brightest = 255 / Normalization.pixelScale
            for index in 0 ..< count {
                image[index] = min(max((image[index] - mean) * contrast + mean + brightness, 0), brightest)
            }
        }
    }
}
