/// The 15 keypoints of Kaggle's Facial Keypoints Detection, in the order of its
/// `training.csv` columns. "Left" and "right" are the subject's, not the viewer's:
/// the left eye appears on the right of the image (larger x).
public enum Keypoint: Int, CaseIterable, Sendable {
    case leftEyeCenter, rightEyeCenter
    case leftEyeInnerCorner, leftEyeOuterCorner
    case rightEyeInnerCorner, rightEyeOuterCorner
    case leftEyebrowInnerEnd, leftEyebrowOuterEnd
    case rightEyebrowInnerEnd, rightEyebrowOuterEnd
    case noseTip
    case mouthLeftCorner, mouthRightCorner
    case mouthCenterTopLip, mouthCenterBottomLip

    /// Kaggle's name, e.g. `left_eye_center`; columns are `<name>_x` and `<name>_y`.
    public var name: String {
        switch self {
        case .leftEyeCenter: return "left_eye_center"
        case .rightEyeCenter: return "right_eye_center"
        case .leftEyeInnerCorner: return "left_eye_inner_corner"
        case .leftEyeOuterCorner: return "left_eye_outer_corner"
        case .rightEyeInnerCorner: return "right_eye_inner_corner"
        case .rightEyeOuterCorner: return "right_eye_outer_corner"
        case .leftEyebrowInnerEnd: return "left_eyebrow_inner_end"
        case .leftEyebrowOuterEnd: return "left_eyebrow_outer_end"
        case .rightEyebrowInnerEnd: return "right_eyebrow_inner_end"
        case .rightEyebrowOuterEnd: return "right_eyebrow_outer_end"
        case .noseTip: return "nose_tip"
        case .mouthLeftCorner: return "mouth_left_corner"
        case .mouthRightCorner: return "mouth_right_corner"
        case .mouthCenterTopLip: return "mouth_center_top_lip"
        case .mouthCenterBottomLip: return "mouth_center_bottom_lip"
        }
    }

    /// The keypoint a horizontal flip turns this one into (itself for the midline points).
    public var mirrored: Keypoint {
        switch self {
        case .leftEyeCenter: return .rightEyeCenter
        case .rightEyeCenter: return .leftEyeCenter
        case .leftEyeInnerCorner: return .rightEyeInnerCorner
        case .rightEyeInnerCorner: return .leftEyeInnerCorner
        case .leftEyeOuterCorner: return .rightEyeOuterCorner
        case .rightEyeOuterCorner: return .leftEyeOuterCorner
        case .leftEyebrowInnerEnd: return .rightEyebrowInnerEnd
        case .rightEyebrowInnerEnd: return .leftEyebrowInnerEnd
        case .leftEyebrowOuterEnd: return .rightEyebrowOuterEnd
        case .rightEyebrowOuterEnd: return .leftEyebrowOuterEnd
        case .mouthLeftCorner: return .mouthRightCorner
        case .mouthRightCorner: return .mouthLeftCorner
        case .noseTip, .mouthCenterTopLip, .mouthCenterBottomLip: return self
        }
    }

    /// The 30 coordinate columns in Kaggle's order: `left_eye_center_x, left_eye_center_y, …`.
    public static let columnNames: [String] = allCases.flatMap { ["\($0.name)_x", "\($0.name)_y"] }

    /// Number of target values per face (15 keypoints × x, y).
    public static let coordinateCount = 30

    /// One face's RMSE in pixels between predicted and true coordinates, over those the truth
    /// has (NaN marks a missing one); nil when it has none.
    public static func rmsePixels<Truth: Collection<Float>, Prediction: Collection<Float>>(
        truth: Truth, prediction: Prediction) -> Double? {
        var sum = 0.0, count = 0
        for (t, p) in zip(truth, prediction) where !t.isNaN {
            sum += Double(t - p) * Double(t - p)
            count += 1
        }
        return count == 0 ? nil : (sum / Double(count)).squareRoot()
    }
}
