extension UnlabeledFaces {
    /// Reads Kaggle's `test.csv` format: header `ImageId,Image` (any order), then one face per line.
    /// CRLF, a UTF-8 byte-order mark and blank lines are accepted; any bad row fails the read.
    /// - Throws: `DataFileError` naming the file, row and column.
    public init(contentsOf path: String) throws {
        let file = try FileBytes(path: path)
        try self.init(bytes: file.bytes, path: path)
    }

    /// Parses test-format CSV text already in memory (`path` is used in messages only).
    public init(text: String, path: String) throws {
        var text = text
        self = try text.withUTF8 { try UnlabeledFaces(bytes: $0, path: path) }
    }

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) throws {
        var scanner = CSVScanner(bytes: bytes, file: path)
        let header = try KaggleHeader(scanner: &scanner, path: path, required: ["ImageId", "Image"])
        let idColumn = header.columns["ImageId"]!, imageColumn = header.columns["Image"]!
        var ids: [Int] = []
        var pixels: [UInt8] = []
        let expectedRows = scanner.remainingLineCount()
        ids.reserveCapacity(expectedRows)
        pixels.reserveCapacity(expectedRows * FaceImage.pixelCount)
        var fields: [Range<Int>] = []
        var row = 0
        while let line = scanner.nextLine() {
            if line.isEmpty { continue }
            row += 1
            let place = DataFileError.Place.row(row, line: scanner.lineNumber)
            scanner.split(line, into: &fields)
            try header.checkFieldCount(fields.count, place: place)
            guard let id = scanner.integer(fields[idColumn]) else {
                throw DataFileError(file: path, place: place, column: "ImageId",
                                    message: "\(scanner.quoted(fields[idColumn])) is not a whole number")
            }
            let start = pixels.count
            pixels.append(contentsOf: repeatElement(0, count: FaceImage.pixelCount))
            let failure = pixels.withUnsafeMutableBufferPointer {
                scanner.pixels(fields[imageColumn], into: $0.baseAddress! + start)
            }
            if let failure {
                throw DataFileError(file: path, place: place, column: "Image",
                                    message: TrainingFile.describe(failure, scanner))
            }
            ids.append(id)
        }
        self.init(imageIds: ids, pixels: pixels)
    }
}

/// A header line whose named columns must all be present (extra columns are an error too, since
/// they usually mean the wrong file was given).
struct KaggleHeader {
    let path: String
    let names: [String]
    let columns: [String: Int]

    init(scanner: inout CSVScanner, path: String, required: [String]) throws {
        self.path = path
        guard !scanner.isBlank, let line = scanner.nextLine() else {
            throw DataFileError(file: path, place: .file,
                                message: "the file is empty, expected a header line \(required.joined(separator: ","))")
        }
        var fields: [Range<Int>] = []
        scanner.split(line, into: &fields)
        names = fields.map { scanner.text($0) }
        var columns: [String: Int] = [:]
        for (column, name) in names.enumerated() {
            guard required.contains(name) else {
                throw DataFileError(file: path, place: .header, column: "\(column + 1)",
                                    message: "unknown column '\(name)', expected \(required.joined(separator: ","))")
            }
            if let earlier = columns[name] {
                throw DataFileError(file: path, place: .header, column: "\(column + 1)",
                                    message: "'\(name)' appears twice (also column \(earlier + 1))")
            }
            columns[name] = column
        }
        for name in required where columns[name] == nil {
            throw DataFileError(file: path, place: .header, message: "no \(name) column")
        }
        self.columns = columns
    }

    func checkFieldCount(_ count: Int, place: DataFileError.Place) throws {
        if count != names.count {
            throw DataFileError(file: path, place: place,
                                message: "\(count) fields, expected \(names.count) as in the header")
        }
    }
}
