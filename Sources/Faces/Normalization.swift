/// The report's normalisation, exactly:
///
///     image value  = pixel / 256                 (pixel ∈ 0…255 → 0 ≤ value < 1)
///     target value = (y − 48) / 48               (y in pixels → about −1…1)
///     y            = 48 · target + 48            (back to pixels, for reporting)
///     RMSE (px)    = √MSE · 48                   (MSE measured on normalised targets)
public enum Normalization {
    /// Divisor for pixel values (the report's `/ 256`, not 255).
    public static let pixelScale: Float = 256
    /// Centre and half-range of target coordinates, in pixels.
    public static let targetCentre: Float = 48
    public static let targetScale: Float = 48

    /// `pixel / 256` for every byte value, so batch filling is a table lookup.
    static let imageValues: [Float] = (0..<256).map { Float($0) / pixelScale }

    /// pixel / 256.
    @inline(__always)
    public static func imageValue(_ pixel: UInt8) -> Float { Float(pixel) / pixelScale }

    /// (y − 48) / 48. NaN (missing) stays NaN.
    @inline(__always)
    public static func target(_ pixels: Float) -> Float { (pixels - targetCentre) / targetScale }

    /// 48 · t + 48: a normalised target back in pixels.
    @inline(__always)
    public static func pixels(fromTarget target: Float) -> Float { target * targetScale + targetCentre }

    /// √mse · 48: the root-mean-square error in pixels from a mean squared error on normalised targets.
    public static func rmsePixels(meanSquaredError: Double) -> Double {
        meanSquaredError.squareRoot() * Double(targetScale)
    }

    /// Writes `count` images as `pixel / 256` into `destination` (count × 1 × 96 × 96 floats).
    /// - Parameter pixels: count × 9216 bytes, row-major.
    public static func writeImages(_ pixels: UnsafeBufferPointer<UInt8>,
                                   into destination: UnsafeMutablePointer<Float>) {
        imageValues.withUnsafeBufferPointer { table in
            for index in 0..<pixels.count { destination[index] = table[Int(pixels[index])] }
        }
    }
}
