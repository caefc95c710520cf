import Faces

/// A grid of enlarged faces with their keypoints marked — predicted positions as filled dots,
/// true positions as rings, coloured by the subject's side — under a legend that explains the
/// marks. Every coordinate is in Kaggle's pixels, where pixel (c, r) has its centre at (c, r).
public struct ContactSheet {
    /// One face to draw.
    public struct Face: Sendable {
        /// 96 × 96 bytes, row-major.
        public var pixels: [UInt8]
        /// A caption, e.g. "row 12" or "image 1783".
        public var label: String
        /// 30 coordinates in pixels (Kaggle's order), NaN where missing; nil when the data has no labels.
        public var truth: [Float]?
        /// 30 predicted coordinates in pixels; nil when no model was given.
        public var prediction: [Float]?
        /// A cascade's level-1 prediction (30 pixels), before level 2 moved it to `prediction`.
        public var level1: [Float]?

        public init(pixels: [UInt8], label: String, truth: [Float]? = nil, prediction: [Float]? = nil, level1: [Float]? = nil) {
            precondition(pixels.count == FaceImage.pixelCount, "ContactSheet.Face: \(pixels.count) pixels, expected \(FaceImage.pixelCount)")
            precondition(truth.map { $0.count == Keypoint.coordinateCount } ?? true, "ContactSheet.Face: truth needs 30 coordinates")
            precondition(prediction.map { $0.count == Keypoint.coordinateCount } ?? true, "ContactSheet.Face: prediction needs 30 coordinates")
            self.pixels = pixels
            self.label = label
            self.truth = truth
            self.prediction = prediction
            self.level1 = level1
        }

        /// RMSE in pixels between prediction and truth over the coordinates present in both;
        /// nil when either is absent or no coordinate is present.
        public var rmsePixels: Double? {
            guard let truth, let prediction else { return nil }
            return Keypoint.rmsePixels(truth: truth, prediction: prediction)
        }
    }

    /// Where everything goes, in picture pixels, before anything is drawn.
    public struct Layout: Equatable, Sendable {
        public var faceCount: Int
        public var columns: Int
        public var rows: Int
        /// Enlargement of each 96-pixel face.
        public var scale: Int
        /// Size of one enlarged face: 96 · scale.
        public var faceSide: Int
        /// Scale of the 5×7 font.
        public var textScale: Int
        /// Space around the sheet and between cells.
        public var margin: Int
        /// Height of a cell: the face, then its caption line.
        public var cellHeight: Int
        /// Height of one legend line: the text, or the ring marker if that is taller.
        public var legendLineHeight: Int
        /// Room left of each legend line (after the title) for its marker.
        public var legendIndent: Int
        /// Height of the legend band at the top (title plus legend lines).
        public var legendHeight: Int
        public var width: Int
        public var height: Int

        /// - Parameters:
        ///   - legendLines: the legend's lines, to make the sheet wide enough for the longest.
        public init(faceCount: Int, columns: Int, scale: Int, legendLines: [String]) {
            precondition(faceCount > 0 && columns > 0 && scale > 0, "ContactSheet.Layout: \(faceCount) faces, \(columns) columns, scale \(scale)")
            self.faceCount = faceCount
            self.columns = min(columns, faceCount)
            rows = (faceCount + self.columns - 1) / self.columns
            self.scale = scale
            faceSide = FaceImage.side * scale
            textScale = scale >= 3 ? 2 : 1
            margin = 4 * textScale + 4
            cellHeight = faceSide + 4 + BitmapFont.lineHeight * textScale
            // A marker's widest extent: the ring's radius plus half its outline, each side.
            let markerSide = Int((2 * (KeypointMarker.ringRadius(scale: scale) + 2)).rounded(.up))
            legendLineHeight = max((BitmapFont.lineHeight + 3) * textScale, markerSide + 2)
            legendIndent = max(14 * textScale, markerSide + 4)
            legendHeight = legendLines.count * legendLineHeight + margin
            let gridWidth = self.columns * faceSide + (self.columns + 1) * margin
            let legendWidth = (legendLines.map { BitmapFont.width(of: $0) }.max() ?? 0) * textScale
                + 2 * margin + legendIndent
            width = max(gridWidth, legendWidth)
            height = legendHeight + rows * cellHeight + (rows + 1) * margin
        }

        /// Top-left corner of face `index` (0-based, filled row by row).
        public func faceOrigin(_ index: Int) -> (x: Int, y: Int) {
            precondition(index >= 0 && index < faceCount, "ContactSheet.Layout: face \(index) of \(faceCount)")
            let column = index % columns, row = index / columns
            return (margin + column * (faceSide + margin), legendHeight + margin + row * (cellHeight + margin))
        }

        /// Where a keypoint at Kaggle coordinates (x, y) lands for face `index`: the centre of the
        /// enlarged pixel, origin + (x + 0.5) · scale.
        public func position(ofX x: Float, y: Float, face index: Int) -> (x: Float, y: Float) {
            let origin = faceOrigin(index)
            return (Float(origin.x) + (x + 0.5) * Float(scale), Float(origin.y) + (y + 0.5) * Float(scale))
        }
    }

    public var faces: [Face]
    /// The first legend line, e.g. the run and the data file.
    public var title: String
    public var columns: Int
    public var scale: Int

    public init(faces: [Face], title: String, columns: Int = 6, scale: Int = 3) {
        precondition(!faces.isEmpty, "ContactSheet: no faces")
        self.faces = faces
        self.title = title
        self.columns = columns
        self.scale = scale
    }

    var hasTruth: Bool { faces.contains { $0.truth != nil } }
    var hasPredictions: Bool { faces.contains { $0.prediction != nil } }

    /// The legend, one entry per line: what it says and the marker drawn before it.
    enum LegendMarker { case none, side(FaceSide), predicted, level1, truth }
    var legend: [(text: String, marker: LegendMarker)] {
        var entries: [(String, LegendMarker)] = [(title, .none)]
        entries += FaceSide.allCases.map { ($0.legend, .side($0)) }
        if hasPredictions { entries.append(("filled dot: predicted by the model", .predicted)) }
        if faces.contains(where: { $0.level1 != nil }) {
            entries.append(("small white dot: level 1's prediction, joined to where level 2 moved it", .level1))
        }
        if hasTruth { entries.append(("ring: true position from the data file", .truth)) }
        if hasPredictions && hasTruth { entries.append(("caption: row, then RMSE px of that face", .none)) }
        return entries
    }

    public var layout: Layout {
        Layout(faceCount: faces.count, columns: columns, scale: scale, legendLines: legend.map(\.text))
    }

    /// Draws the sheet.
    public func render() -> RGBImage {
        let layout = layout
        var image = RGBImage(width: layout.width, height: layout.height, background: .white)
        drawLegend(on: &image, layout)
        for (index, face) in faces.enumerated() {
            let origin = layout.faceOrigin(index)
            image.draw(grayscale: face.pixels[...], side: FaceImage.side, x: origin.x, y: origin.y, scale: scale)
            var caption = face.label
            if let rmse = face.rmsePixels { caption += "  " + formatted(rmse) + " px" }
            image.draw(text: caption, x: origin.x, y: origin.y + layout.faceSide + 3, color: .black, scale: layout.textScale)
            // Rings first, so a dot sits inside its ring when the prediction is right.
            if let truth = face.truth { mark(truth, face: index, on: &image, layout, draw: KeypointMarker.drawTruth) }
            if let level1 = face.level1, let prediction = face.prediction {
                for keypoint in Keypoint.allCases {
                    let from = (level1[2 * keypoint.rawValue], level1[2 * keypoint.rawValue + 1])
                    let to = (prediction[2 * keypoint.rawValue], prediction[2 * keypoint.rawValue + 1])
                    guard from.0.isFinite, from.1.isFinite, to.0.isFinite, to.1.isFinite else { continue }
                    let start = layout.position(ofX: from.0, y: from.1, face: index)
                    let end = layout.position(ofX: to.0, y: to.1, face: index)
                    image.drawLine(fromX: start.x, y: start.y, toX: end.x, y: end.y, thickness: 1.5, KeypointMarker.outline)
                }
                mark(level1, face: index, on: &image, layout) { image, x, y, _, scale in
                    KeypointMarker.drawLevel1(on: &image, x: x, y: y, scale: scale)
                }
            }
            if let prediction = face.prediction {
                mark(prediction, face: index, on: &image, layout, draw: KeypointMarker.drawPrediction)
            }
        }
        return image
    }

    private func mark(_ coordinates: [Float], face index: Int, on image: inout RGBImage, _ layout: Layout,
                      draw: (inout RGBImage, Float, Float, RGB, Int) -> Void) {
        for keypoint in Keypoint.allCases {
            let x = coordinates[2 * keypoint.rawValue], y = coordinates[2 * keypoint.rawValue + 1]
            guard x.isFinite, y.isFinite else { continue }
            let point = layout.position(ofX: x, y: y, face: index)
            draw(&image, point.x, point.y, FaceSide(keypoint).color, scale)
        }
    }

    private func drawLegend(on image: inout RGBImage, _ layout: Layout) {
        let line = layout.legendLineHeight
        for (number, entry) in legend.enumerated() {
            let y = layout.margin + number * line
            let textX = layout.margin + (number == 0 ? 0 : layout.legendIndent)
            let markerX = Float(layout.margin) + Float(layout.legendIndent - 4) / 2
            // Text sits at the top of its line; the marker is centred on the capitals' height.
            let markerY = Float(y) + Float(BitmapFont.glyphHeight * layout.textScale) / 2
            switch entry.marker {
            case .none: break
            case .side(let side):
                KeypointMarker.drawPrediction(on: &image, x: markerX, y: markerY, color: side.color, scale: scale)
            case .predicted:
                KeypointMarker.drawPrediction(on: &image, x: markerX, y: markerY, color: .gray(190), scale: scale)
            case .level1:
                KeypointMarker.drawLevel1(on: &image, x: markerX, y: markerY, scale: scale)
            case .truth:
                KeypointMarker.drawTruth(on: &image, x: markerX, y: markerY, color: .gray(190), scale: scale)
            }
            image.draw(text: entry.text, x: textX, y: y, color: .black, scale: layout.textScale)
        }
    }
}

/// Two decimals, without Foundation's locale-dependent formatting.
func formatted(_ value: Double) -> String {
    guard value.isFinite else { return String(value) }
    let hundredths = Int((value * 100).rounded())
    let whole = hundredths / 100, fraction = abs(hundredths % 100)
    return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
}

extension ContactSheet {
    /// A sheet of faces `rows` of `file`, with the file's true keypoints where it has them and
    /// `predictions` (rows.count × 30 pixels, in `rows` order) when given, and a cascade's
    /// level-1 predictions (the same shape) when given.
    public init(file: FaceFile, rows: [Int], predictions: [Float]?, level1: [Float]? = nil, title: String,
                columns: Int = 6, scale: Int = 3) {
        precondition(predictions.map { $0.count == rows.count * Keypoint.coordinateCount } ?? true,
                     "ContactSheet: \(predictions?.count ?? 0) predicted values for \(rows.count) faces")
        let width = Keypoint.coordinateCount
        let faces = rows.enumerated().map { position, row in
            Face(pixels: file.image(row), label: file.label(row), truth: file.truth(row),
                 prediction: predictions.map { Array($0[position * width ..< (position + 1) * width]) },
                 level1: level1.map { Array($0[position * width ..< (position + 1) * width]) })
        }
        self.init(faces: faces, title: title, columns: columns, scale: scale)
    }
}
