extension LabeledFaces {
    /// Writes the faces in Kaggle's `training.csv` format: the 30 keypoint columns in Kaggle's
    /// order, then `Image`; LF line ends; a missing coordinate is an empty field; coordinates in
    /// the shortest form that reads back to the same Float. The file appears whole or not at all.
    /// - Throws: `DataFileError` when the file cannot be written.
    public func write(to path: String) throws {
        try AtomicFile.write(to: path) { output in
            output.append((Keypoint.columnNames + ["Image"]).joined(separator: ","))
            try output.endLine()
            for face in 0 ..< count {
                for value in coordinates(face) {
                    if !value.isNaN { output.append(value.description) }
                    output.append(UInt8(ascii: ","))
                }
                appendPixels(image(face)[...], to: &output)
                try output.endLine()
            }
        }
    }
}

extension UnlabeledFaces {
    /// Writes the faces in Kaggle's `test.csv` format (`ImageId,Image`), whole or not at all.
    public func write(to path: String) throws {
        try AtomicFile.write(to: path) { output in
            output.append("ImageId,Image")
            try output.endLine()
            for face in 0 ..< count {
                output.append(String(imageIds[face]))
                output.append(UInt8(ascii: ","))
                appendPixels(image(face)[...], to: &output)
                try output.endLine()
            }
        }
    }
}

/// Writes a Kaggle submission, `RowId,Location` with locations in pixels, whole or not at all.
public func writeSubmission(_ rows: [SubmissionRow], to path: String) throws {
    try AtomicFile.write(to: path) { output in
        output.append("RowId,Location")
        try output.endLine()
        for row in rows {
            output.append(String(row.rowId))
            output.append(UInt8(ascii: ","))
            output.append(row.location.description)
            try output.endLine()
        }
    }
}

/// The decimal text of 0…255, so writing pixels is a copy per value.
private let pixelTexts: [[UInt8]] = (0 ..< 256).map { Array(String($0).utf8) }

private func appendPixels(_ pixels: ArraySlice<UInt8>, to output: inout FileOutput) {
    var first = true
    for pixel in pixels {
        if !first { output.append(UInt8(ascii: " ")) }
        output.append(contentsOf: pixelTexts[Int(pixel)])
        first = false
    }
}
