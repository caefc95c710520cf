/// What to do with a data row that cannot be read.
public enum BadRows: Sendable {
    /// Stop at the first one and throw its `DataFileError` (training: fail early and clearly).
    case fail
    /// Leave it out and list it in `TrainingFile.rejected` (inspection: see every problem).
    case skip
}

/// A training-format file as read: the faces, and the rows that were left out.
public struct TrainingFile: Sendable {
    /// The path as given.
    public var path: String
    /// The readable rows, in file order.
    public var faces: LabeledFaces
    /// One error per row left out (only with `BadRows.skip`), in file order.
    public var rejected: [DataFileError]
    /// Data rows seen, readable or not.
    public var rowCount: Int { faces.count + rejected.count }

    /// Reads Kaggle's `training.csv` format: a header naming the columns, then one face per line.
    /// Columns are found by their header names, in any order: `Image` (9216 space-separated
    /// integers 0–255) is required, and at least one keypoint; a keypoint's two columns
    /// (`Keypoint.columnNames`) are both present or both absent, and in each row both filled or
    /// both empty (missing, NaN). A coordinate is a decimal number of pixels inside the image,
    /// 0 to 96 (`LabeledFaces.coordinateRange`). CRLF line ends, a UTF-8 byte-order mark, blank
    /// lines and double-quoted fields are accepted.
    ///
    /// - Throws: `DataFileError` for an unreadable or empty file, a bad header or a file without a
    ///   single keypoint value, always; for a bad row only with `badRows: .fail`.
    public init(path: String, badRows: BadRows = .fail) throws {
        let file = try FileBytes(path: path)
        try self.init(bytes: file.bytes, path: path, badRows: badRows)
    }

    /// Parses training-format CSV text already in memory (`path` is used in messages only).
    public init(text: String, path: String, badRows: BadRows = .fail) throws {
        var text = text
        self = try text.withUTF8 { try TrainingFile(bytes: $0, path: path, badRows: badRows) }
    }

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, badRows: BadRows) throws {
        self.path = path
        var scanner = CSVScanner(bytes: bytes, file: path)
        let header = try TrainingHeader(scanner: &scanner, path: path)
        let names = header.names
        var fields: [Range<Int>] = []
        var faces = LabeledFaces()
        var rejected: [DataFileError] = []
        let expectedRows = scanner.remainingLineCount()
        faces.reserveCapacity(expectedRows)
        var row = 0
        var coordinates = [Float](repeating: .nan, count: Keypoint.coordinateCount)
        try faces.withStorage { pixels, keypoints in
            while let line = scanner.nextLine() {
                if line.isEmpty { continue }
                row += 1
                let place = DataFileError.Place.row(row, line: scanner.lineNumber)
                scanner.split(line, into: &fields)
                var problem: DataFileError?
                if fields.count != names.count {
                    problem = DataFileError(file: path, place: place,
                                            message: "\(fields.count) fields, expected \(names.count) as in the header")
                } else {
                    for index in 0 ..< coordinates.count { coordinates[index] = .nan }
                    for (column, field) in fields.enumerated() {
                        guard let index = header.coordinateColumn[column] else { continue }
                        guard let value = scanner.decimal(field) else {
                            problem = DataFileError(file: path, place: place, column: names[column],
                                                    message: "\(scanner.quoted(field)) is not a number")
                            break
                        }
                        guard value.isNaN || LabeledFaces.coordinateRange.contains(value) else {
                            problem = DataFileError(file: path, place: place, column: names[column],
                                                    message: "\(scanner.quoted(field)) is outside the image: "
                                                        + "coordinates are pixels from 0 to \(FaceImage.side)")
                            break
                        }
                        coordinates[index] = value
                    }
                    if problem == nil { problem = header.unpairedCoordinate(coordinates, place: place) }
                    if problem == nil {
                        let start = pixels.count
                        pixels.append(contentsOf: repeatElement(0, count: FaceImage.pixelCount))
                        let failure = pixels.withUnsafeMutableBufferPointer {
                            scanner.pixels(fields[header.imageColumn], into: $0.baseAddress! + start)
                        }
                        if let failure {
                            pixels.removeLast(FaceImage.pixelCount)
                            problem = DataFileError(file: path, place: place, column: "Image",
                                                    message: TrainingFile.describe(failure, scanner))
                        } else {
                            keypoints.append(contentsOf: coordinates)
                        }
                    }
                }
                if let problem {
                    if badRows == .fail { throw problem }
                    rejected.append(problem)
                }
            }
        }
        // Rows whose every keypoint is empty are allowed (the loss skips missing values), but a
        // file of them has nothing to learn or score: training on it would end in a NaN loss
        // that reads as divergence.
        if faces.count > 0, !faces.keypoints.contains(where: { !$0.isNaN }) {
            throw DataFileError(file: path, place: .file,
                                message: "no row has a keypoint: every keypoint field is empty, so there is nothing to train on or score")
        }
        self.faces = faces
        self.rejected = rejected
    }

    static func describe(_ problem: CSVScanner.PixelProblem, _ scanner: CSVScanner) -> String {
        switch problem {
        case .count(let count):
            return "\(count) pixel values, expected \(FaceImage.pixelCount)"
        case .notANumber(let index, let text):
            return "pixel \(index) is \(scanner.quoted(text)), expected an integer 0–255"
        case .outOfRange(let index, let text):
            return "pixel \(index) is \(scanner.text(text)), expected an integer 0–255"
        }
    }
}

extension Keypoint {
    /// Column name → coordinate index 0..<30.
    static let columnIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: columnNames.enumerated().map { ($0.element, $0.offset) })
}

extension LabeledFaces {
    /// Reads a training-format file, failing on the first bad row. See `TrainingFile.init(path:badRows:)`.
    public init(contentsOf path: String) throws {
        self = try TrainingFile(path: path).faces
    }
}
