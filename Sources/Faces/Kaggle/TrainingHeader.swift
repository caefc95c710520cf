/// The header of a training-format file: which column holds the image and which holds each
/// coordinate. It must name `Image`, at least one keypoint, and both the x and the y of every
/// keypoint it names: a lone `left_eye_center_y` would otherwise be read and trained on
/// without its x, and a file of images alone would train on nothing and look like divergence.
struct TrainingHeader {
    let path: String
    /// The header's names, trimmed.
    let names: [String]
    /// For each column, the coordinate index 0..<30 it holds (nil for `Image`).
    let coordinateColumn: [Int?]
    let imageColumn: Int

    init(scanner: inout CSVScanner, path: String) throws {
        self.path = path
        guard !scanner.isBlank, let line = scanner.nextLine() else {
            throw DataFileError(file: path, place: .file,
                                message: "the file is empty, expected a header line naming the columns (…, Image)")
        }
        var fields: [Range<Int>] = []
        scanner.split(line, into: &fields)
        let names = fields.map { scanner.text($0) }
        var coordinateColumn = [Int?](repeating: nil, count: names.count)
        var imageColumn: Int?
        var seen: [String: Int] = [:]
        for (column, name) in names.enumerated() {
            if let earlier = seen[name] {
                throw DataFileError(file: path, place: .header, column: "\(column + 1)",
                                    message: "'\(name)' appears twice (also column \(earlier + 1))")
            }
            seen[name] = column
            if name == "Image" {
                imageColumn = column
            } else if let index = Keypoint.columnIndex[name] {
                coordinateColumn[column] = index
            } else {
                throw DataFileError(file: path, place: .header, column: "\(column + 1)",
                                    message: "unknown column '\(name)', expected keypoint columns such as left_eye_center_x and Image")
            }
        }
        guard let imageColumn else {
            throw DataFileError(file: path, place: .header,
                                message: "no Image column (found \(names.count) columns: \(names.prefix(4).joined(separator: ", "))\(names.count > 4 ? ", …" : ""))")
        }
        guard coordinateColumn.contains(where: { $0 != nil }) else {
            throw DataFileError(file: path, place: .header,
                                message: "no keypoint columns: a training file names at least one keypoint, such as "
                                    + "left_eye_center_x,left_eye_center_y (faces without labels are test.csv's format, ImageId,Image)")
        }
        for (column, index) in coordinateColumn.enumerated() {
            guard let index else { continue }
            let partner = Keypoint.columnNames[index ^ 1]  // x is coordinate 2k, y is 2k + 1
            if seen[partner] == nil {
                throw DataFileError(file: path, place: .header, column: "\(column + 1)",
                                    message: "'\(names[column])' without '\(partner)': name both coordinates of a keypoint, or neither")
            }
        }
        self.names = names
        self.coordinateColumn = coordinateColumn
        self.imageColumn = imageColumn
    }

    /// The problem with one row's coordinates (30 values in pixels, NaN = empty), or nil: a
    /// keypoint has both coordinates or neither.
    func unpairedCoordinate(_ coordinates: [Float], place: DataFileError.Place) -> DataFileError? {
        for point in Keypoint.allCases {
            let x = coordinates[2 * point.rawValue], y = coordinates[2 * point.rawValue + 1]
            guard x.isNaN != y.isNaN else { continue }
            let (given, empty) = x.isNaN ? ("\(point.name)_y", "\(point.name)_x") : ("\(point.name)_x", "\(point.name)_y")
            return DataFileError(file: path, place: place, column: empty,
                                 message: "empty, but \(given) is given: a keypoint needs both coordinates, or neither")
        }
        return nil
    }
}
