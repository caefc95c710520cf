/// The image geometry shared by every face in Kaggle's data: 96×96 grayscale, row-major,
/// one byte (0–255) per pixel.
public enum FaceImage {
    /// Width and height in pixels.
    public static let side = 96
    /// Pixels per image: 96 × 96 = 9216.
    public static let pixelCount = side * side
}
