/// An 8-bit RGB colour.
public struct RGB: Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)

    /// A gray level: red = green = blue = `level`.
    public static func gray(_ level: UInt8) -> RGB { RGB(level, level, level) }
}

/// A picture to draw on and save as PNG: width × height pixels, row-major from the top-left,
/// three bytes (R, G, B) per pixel. x grows to the right, y grows downwards — the same axes as
/// Kaggle's keypoint coordinates.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// (height, width, 3) row-major.
    public internal(set) var bytes: [UInt8]

    /// A picture filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        precondition(width > 0 && height > 0, "RGBImage: \(width)×\(height) has no pixels")
        self.width = width
        self.height = height
        bytes = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, with: background)
    }

    /// A picture from existing bytes: width × height × 3, row-major RGB.
    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(width > 0 && height > 0 && bytes.count == width * height * 3,
                     "RGBImage: \(bytes.count) bytes for \(width)×\(height) RGB")
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// The colour at (x, y); both must be inside the picture.
    public subscript(x: Int, y: Int) -> RGB {
        get {
            precondition(contains(x: x, y: y), "RGBImage: (\(x), \(y)) is outside \(width)×\(height)")
            let offset = (y * width + x) * 3
            return RGB(bytes[offset], bytes[offset + 1], bytes[offset + 2])
        }
        set {
            precondition(contains(x: x, y: y), "RGBImage: (\(x), \(y)) is outside \(width)×\(height)")
            let offset = (y * width + x) * 3
            bytes[offset] = newValue.red
            bytes[offset + 1] = newValue.green
            bytes[offset + 2] = newValue.blue
        }
    }

    public func contains(x: Int, y: Int) -> Bool { x >= 0 && x < width && y >= 0 && y < height }

    /// Sets (x, y) to `color`; points outside the picture are ignored, so shapes may overhang an edge.
    @inline(__always)
    public mutating func plot(x: Int, y: Int, _ color: RGB) {
        guard contains(x: x, y: y) else { return }
        let offset = (y * width + x) * 3
        bytes[offset] = color.red
        bytes[offset + 1] = color.green
        bytes[offset + 2] = color.blue
    }

    /// Fills the rectangle [x, x + width) × [y, y + height), clipped to the picture.
    public mutating func fill(x: Int, y: Int, width rectangleWidth: Int, height rectangleHeight: Int, with color: RGB) {
        let left = max(0, x), right = min(width, x + rectangleWidth)
        let top = max(0, y), bottom = min(height, y + rectangleHeight)
        guard left < right, top < bottom else { return }
        for row in top ..< bottom {
            for column in left ..< right { plot(x: column, y: row, color) }
        }
    }
}
