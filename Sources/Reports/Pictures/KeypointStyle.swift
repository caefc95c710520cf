import Faces

/// Which side of the subject's face a keypoint is on. "Left" is the subject's left, which a
/// camera facing them sees on the right of the image (larger x).
public enum FaceSide: CaseIterable, Sendable {
    case left, right, midline

    /// The side of `keypoint`: midline for the points a horizontal flip maps to themselves
    /// (nose tip, lip centres); otherwise left or right by Kaggle's name.
    public init(_ keypoint: Keypoint) {
        if keypoint.mirrored == keypoint {
            self = .midline
        } else {
            self = keypoint.name.hasPrefix("left_") || keypoint.name.hasPrefix("mouth_left_") ? .left : .right
        }
    }

    /// Colours from Okabe & Ito's palette, told apart by people with the common colour-vision
    /// deficiencies: blue for the subject's left, orange for the right, yellow for the midline.
    public var color: RGB {
        switch self {
        case .left: return RGB(0, 114, 178)
        case .right: return RGB(230, 159, 0)
        case .midline: return RGB(240, 228, 66)
        }
    }

    /// The legend's words for this side.
    public var legend: String {
        switch self {
        case .left: return "subject's left (image right, larger x)"
        case .right: return "subject's right (image left, smaller x)"
        case .midline: return "midline (nose tip, lip centres)"
        }
    }
}

/// How keypoints are marked: a prediction is a filled dot, a true position a ring, each
/// outlined in near-black so it stands out on light and dark skin alike.
enum KeypointMarker {
    static let outline = RGB(20, 20, 20)

    /// Dot radius for a face enlarged `scale` times (about 1.2 source pixels, never under 2).
    static func dotRadius(scale: Int) -> Float { max(2, 1.2 * Float(scale)) }
    /// Ring radius: clear of the dot, so a perfect prediction reads as a dot inside its ring.
    static func ringRadius(scale: Int) -> Float { dotRadius(scale: scale) + 3 }

    static func drawPrediction(on image: inout RGBImage, x: Float, y: Float, color: RGB, scale: Int) {
        let radius = dotRadius(scale: scale)
        image.fillCircle(centreX: x, centreY: y, radius: radius + 1, outline)
        image.fillCircle(centreX: x, centreY: y, radius: radius, color)
    }

    /// A cascade's level-1 prediction: a small white dot, so it reads as "before" beside the
    /// coloured dot level 2 moved it to.
    static func drawLevel1(on image: inout RGBImage, x: Float, y: Float, scale: Int) {
        let radius = dotRadius(scale: scale) * 0.6
        image.fillCircle(centreX: x, centreY: y, radius: radius + 1, outline)
        image.fillCircle(centreX: x, centreY: y, radius: radius, .white)
    }

    static func drawTruth(on image: inout RGBImage, x: Float, y: Float, color: RGB, scale: Int) {
        let radius = ringRadius(scale: scale)
        image.strokeCircle(centreX: x, centreY: y, radius: radius, thickness: 3.5, outline)
        image.strokeCircle(centreX: x, centreY: y, radius: radius, thickness: 1.6, color)
    }
}
