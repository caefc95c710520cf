/// Kaggle's `IdLookupTable.csv`: which coordinate of which test image each submission row wants.
public struct LookupTable: Sendable, Equatable {
    /// One requested value.
    public struct Entry: Sendable, Equatable {
        /// Kaggle's `RowId`, echoed in the submission.
        public var rowId: Int
        /// Kaggle's `ImageId` (matches `UnlabeledFaces.imageIds`).
        public var imageId: Int
        /// The coordinate index 0..<30 in `Keypoint.columnNames` order (from `FeatureName`).
        public var coordinate: Int

        public init(rowId: Int, imageId: Int, coordinate: Int) {
            self.rowId = rowId
            self.imageId = imageId
            self.coordinate = coordinate
        }

        /// Kaggle's `FeatureName`, e.g. `left_eye_center_x`.
        public var featureName: String { Keypoint.columnNames[coordinate] }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Reads `RowId,ImageId,FeatureName,Location` (any column order; `Location` is empty in
    /// Kaggle's file and ignored). CRLF, a byte-order mark and blank lines are accepted.
    /// - Throws: `DataFileError` naming the file, row and column (both rows for a repeated RowId).
    public init(contentsOf path: String) throws {
        let file = try FileBytes(path: path)
        try self.init(bytes: file.bytes, path: path)
    }

    /// Parses lookup-table text already in memory (`path` is used in messages only).
    public init(text: String, path: String) throws {
        var text = text
        self = try text.withUTF8 { try LookupTable(bytes: $0, path: path) }
    }

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) throws {
        var scanner = CSVScanner(bytes: bytes, file: path)
        let header = try KaggleHeader(scanner: &scanner, path: path,
                                      required: ["RowId", "ImageId", "FeatureName", "Location"])
        let rowColumn = header.columns["RowId"]!, imageColumn = header.columns["ImageId"]!
        let featureColumn = header.columns["FeatureName"]!
        var entries: [Entry] = []
        var fields: [Range<Int>] = []
        var row = 0
        // A submission lists each RowId once; a repeated one would make Kaggle's scoring (and
        // anyone reading the file) take one of two values.
        var firstRowWith: [Int: (row: Int, line: Int)] = [:]
        while let line = scanner.nextLine() {
            if line.isEmpty { continue }
            row += 1
            let place = DataFileError.Place.row(row, line: scanner.lineNumber)
            scanner.split(line, into: &fields)
            try header.checkFieldCount(fields.count, place: place)
            guard let rowId = scanner.integer(fields[rowColumn]) else {
                throw DataFileError(file: path, place: place, column: "RowId",
                                    message: "\(scanner.quoted(fields[rowColumn])) is not a whole number")
            }
            if let first = firstRowWith[rowId] {
                throw DataFileError(file: path, place: place, column: "RowId",
                                    message: "RowId \(rowId) appears twice: here and in row \(first.row) (line \(first.line)); each RowId must be unique")
            }
            firstRowWith[rowId] = (row, scanner.lineNumber)
            guard let imageId = scanner.integer(fields[imageColumn]) else {
                throw DataFileError(file: path, place: place, column: "ImageId",
                                    message: "\(scanner.quoted(fields[imageColumn])) is not a whole number")
            }
            let name = scanner.text(fields[featureColumn])
            guard let coordinate = Keypoint.columnIndex[name] else {
                throw DataFileError(file: path, place: place, column: "FeatureName",
                                    message: "unknown feature '\(name)', expected a keypoint column name such as left_eye_center_x")
            }
            entries.append(Entry(rowId: rowId, imageId: imageId, coordinate: coordinate))
        }
        self.entries = entries
    }

    /// The submission rows for `predictions`: one `(rowId, location)` per entry, in table order.
    /// - Parameters:
    ///   - faces: the test faces (their `imageIds` locate each entry's face).
    ///   - predictions: faces.count × 30 coordinates in pixels, in `faces` order.
    /// - Throws: `DataFileError` (file "lookup table") when an entry names an image not in `faces`.
    public func submission(for faces: UnlabeledFaces, predictions: [Float]) throws -> [SubmissionRow] {
        precondition(predictions.count == faces.count * Keypoint.coordinateCount,
                     "submission: \(predictions.count) predictions for \(faces.count) faces")
        var position: [Int: Int] = [:]
        for (index, id) in faces.imageIds.enumerated() { position[id] = index }
        return try entries.enumerated().map { number, entry in
            guard let index = position[entry.imageId] else {
                throw DataFileError(file: "lookup table", place: .row(number + 1, line: number + 2), column: "ImageId",
                                    message: "image \(entry.imageId) is not among the \(faces.count) test faces")
            }
            return SubmissionRow(rowId: entry.rowId,
                                 location: predictions[index * Keypoint.coordinateCount + entry.coordinate])
        }
    }
}

/// One line of a Kaggle submission.
public struct SubmissionRow: Sendable, Equatable {
    public var rowId: Int
    /// In pixels.
    public var location: Float

    public init(rowId: Int, location: Float) {
        self.rowId = rowId
        self.location = location
    }
}
