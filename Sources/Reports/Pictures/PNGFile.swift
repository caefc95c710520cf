import CPNG
import Results

/// PNG encoding and decoding through the system libpng's simplified API (`png_image`). This is
/// the one file that sees libpng's C types; every `png_image` is freed before its function returns.
extension RGBImage {
    /// The picture as PNG bytes: 8-bit RGB, non-interlaced, sRGB.
    /// - Throws: `UserError` with libpng's message when encoding fails.
    public func pngBytes() throws -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        let rowStride = png_int_32(width * 3)
        // First call with no buffer: libpng reports the size it needs.
        var size = 0
        let sized = bytes.withUnsafeBytes { pixels in
            png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, rowStride, nil)
        }
        guard sized != 0, size > 0 else { throw failure(&image, "cannot encode a \(width)×\(height) PNG") }
        var encoded = [UInt8](repeating: 0, count: size)
        let written = encoded.withUnsafeMutableBytes { output in
            bytes.withUnsafeBytes { pixels in
                png_image_write_to_memory(&image, output.baseAddress, &size, 0, pixels.baseAddress, rowStride, nil)
            }
        }
        guard written != 0 else { throw failure(&image, "cannot encode a \(width)×\(height) PNG") }
        png_image_free(&image)
        return Array(encoded.prefix(size))
    }

    /// Writes the picture as a PNG file, whole or not at all (a temporary file, then a rename).
    /// - Throws: `UserError` naming the file when it cannot be written.
    public func writePNG(to path: String) throws {
        try writeAtomically(pngBytes(), to: path)
    }

    /// Reads a PNG file of any colour type and bit depth as 8-bit RGB (transparency is composed
    /// over white; gray becomes R = G = B).
    /// - Throws: `UserError` naming the file, with libpng's reason, when it cannot be read.
    public init(pngFile path: String) throws {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw failure(&image, "\(path): cannot read as PNG")
        }
        image.format = png_uint_32(PNG_FORMAT_RGB)
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var background = png_color(red: 255, green: 255, blue: 255)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, &background, buffer.baseAddress, png_int_32(width * 3), nil)
        }
        guard finished != 0 else { throw failure(&image, "\(path): cannot read as PNG") }
        png_image_free(&image)
        self.init(width: width, height: height, bytes: pixels)
    }
}

/// libpng's own message (kept in the `png_image`), as a `UserError`; frees the image.
private func failure(_ image: inout png_image, _ context: String) -> UserError {
    let message = withUnsafeBytes(of: image.message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    png_image_free(&image)
    return UserError(message.isEmpty ? context : "\(context): \(message)")
}
