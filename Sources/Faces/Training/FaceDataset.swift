/// A view of labeled faces as training data: which faces take part (selection and split are
/// index lists, not copies), and how they become normalised mini-batches.
///
///     let dataset = FaceDataset(faces, rows: .all, missing: .mask)
///     let (training, validation) = dataset.split(.holdout(400), seed: 42)
///     let plan = BatchPlan(size: 128, order: .shuffled, lastBatch: .dropPartial, flip: true, seed: 42)
///     var batch = FaceBatch(capacity: 128)
///     for selection in training.epoch(epoch, plan: plan) {
///         training.fill(&batch, with: selection)   // batch.images, batch.targets, batch.mask
///     }
public struct FaceDataset: Sendable {
    /// All faces of the source, whatever the selection.
    public let faces: LabeledFaces
    /// The faces taking part, as indices into `faces`, in order.
    public let indices: [Int]

    /// Number of faces taking part.
    public var count: Int { indices.count }

    /// - Parameters:
    ///   - rows: `.complete` keeps only faces with all 30 coordinates; `.all` keeps every face.
    ///   - missing: `.mask` keeps faces with missing coordinates (they get mask 0);
    ///     `.drop` removes them, so `rows: .all, missing: .drop` ≡ `rows: .complete`.
    public init(_ faces: LabeledFaces, rows: RowSelection = .all, missing: MissingValues = .mask) {
        self.faces = faces
        if rows == .complete || missing == .drop {
            indices = (0 ..< faces.count).filter { faces.isComplete($0) }
        } else {
            indices = Array(0 ..< faces.count)
        }
    }

    /// A dataset over `faces` with exactly these `indices`.
    public init(_ faces: LabeledFaces, indices: [Int]) {
        precondition(indices.allSatisfy { (0 ..< faces.count).contains($0) }, "FaceDataset: index out of range")
        self.faces = faces
        self.indices = indices
    }

    /// Splits into training and validation parts; both keep file order.
    /// - `.holdout(n)`: validation is the last n faces (n is clamped to count).
    /// - `.fraction(f, shuffle:)`: validation has round(f·count) faces — the last ones, or with
    ///   `shuffle`, those that a `SplitMix64(seed: seed)` permutation puts last.
    public func split(_ split: ValidationSplit, seed: UInt64) -> (training: FaceDataset, validation: FaceDataset) {
        let validationCount: Int
        var order = indices
        switch split {
        case .holdout(let holdout):
            validationCount = max(0, min(holdout, count))
        case .fraction(let fraction, let shuffle):
            validationCount = max(0, min(count, Int((fraction * Double(count)).rounded())))
            if shuffle {
                var generator = SplitMix64(seed: seed)
                let permutation = generator.permutation(of: count)
                let validation = Set(permutation.suffix(validationCount))
                let training = (0 ..< count).filter { !validation.contains($0) }.map { indices[$0] }
                let held = (0 ..< count).filter { validation.contains($0) }.map { indices[$0] }
                order = training + held
            }
        }
        let cut = order.count - validationCount
        return (FaceDataset(faces, indices: Array(order[..<cut])), FaceDataset(faces, indices: Array(order[cut...])))
    }

    /// The batches of epoch `epoch` (0-based) under `plan`, with each face's transform when
    /// the plan has any.
    public func epoch(_ epoch: Int, plan: BatchPlan) -> [BatchSelection] {
        plan.batches(count: count, epoch: epoch).map { selection in
            let faceIndices = selection.positions.map { indices[$0] }
            let transforms = plan.transforms.isEmpty ? []
                : faceIndices.map { plan.transforms.draw(seed: plan.seed, epoch: epoch, face: $0) }
            return BatchSelection(positions: selection.positions, flips: selection.flips,
                                  faceIndices: faceIndices, transforms: transforms)
        }
    }

    /// Fills `batch` with the selected faces, normalised: images pixel / 256, targets
    /// (y − 48) / 48 with mask 1, or target 0 and mask 0 where missing; flipped samples are
    /// mirrored first (`Flip`), then transformed. Training fills its batches ahead, on a
    /// thread of its own (`BatchPrefetcher`): with every transform, a batch takes about 3% of
    /// the time nouri trains on it (0.38 s of a 1-thread epoch of 2991 real faces).
    public func fill(_ batch: inout FaceBatch, with selection: BatchSelection) {
        precondition(selection.faceIndices.count <= batch.capacity,
                     "FaceDataset.fill: \(selection.faceIndices.count) samples for a batch of capacity \(batch.capacity)")
        let count = selection.faceIndices.count
        batch.images.withUnsafeMutableBufferPointer { images in
            batch.targets.withUnsafeMutableBufferPointer { targets in
                batch.mask.withUnsafeMutableBufferPointer { mask in
                    fill(faceIndices: selection.faceIndices, flips: selection.flips, transforms: selection.transforms,
                         images: images.baseAddress!, targets: targets.baseAddress!, mask: mask.baseAddress!)
                }
            }
        }
        for sample in 0 ..< count {
            batch.faceIndices[sample] = selection.faceIndices[sample]
            batch.flipped[sample] = selection.flips[sample]
        }
        batch.count = count
    }

    /// Fills caller-owned memory (e.g. a tensor's storage) with faces of `faces`, normalised.
    /// - Parameters:
    ///   - faceIndices: indices into `faces`; n = faceIndices.count samples.
    ///   - flips: n flags, or empty for none.
    ///   - transforms: n transforms applied after the flip, or empty for none; a keypoint they
    ///     move out of the frame is missing (mask 0).
    ///   - images: room for n × 1 × 96 × 96 floats.
    ///   - targets: room for n × 30 floats; (y − 48) / 48, 0 where missing.
    ///   - mask: room for n × 30 floats; 1 present, 0 missing.
    public func fill(faceIndices: [Int], flips: [Bool], transforms: [SampleTransform] = [],
                     images: UnsafeMutablePointer<Float>,
                     targets: UnsafeMutablePointer<Float>,
                     mask: UnsafeMutablePointer<Float>) {
        precondition(flips.isEmpty || flips.count == faceIndices.count)
        precondition(transforms.isEmpty || transforms.count == faceIndices.count)
        let side = FaceImage.side, pixelCount = FaceImage.pixelCount, width = Keypoint.coordinateCount
        // The warp's copy of an image, once for the call rather than once per face.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: transforms.isEmpty ? 0 : pixelCount)
        defer { scratch.deallocate() }
        Normalization.imageValues.withUnsafeBufferPointer { table in
            faces.pixels.withUnsafeBufferPointer { pixels in
                faces.keypoints.withUnsafeBufferPointer { keypoints in
                    for (sample, face) in faceIndices.enumerated() {
                        let flip = flips.isEmpty ? false : flips[sample]
                        let source = pixels.baseAddress! + face * pixelCount
                        let image = images + sample * pixelCount
                        if flip {
                            for row in 0 ..< side {
                                for column in 0 ..< side {
                                    image[row * side + column] = table[Int(source[row * side + side - 1 - column])]
                                }
                            }
                        } else {
                            for index in 0 ..< pixelCount { image[index] = table[Int(source[index])] }
                        }
                        let coordinates = keypoints.baseAddress! + face * width
                        let transform = transforms.isEmpty ? nil : transforms[sample]
                        for point in Keypoint.allCases {
                            let into = flip ? point.mirrored.rawValue : point.rawValue
                            let x = coordinates[2 * point.rawValue]
                            let y = coordinates[2 * point.rawValue + 1]
                            // Flipped x in Double, so the normalised target is rounded once.
                            var targetX = flip ? Float((Double(Flip.lastColumn) - Double(x) - 48) / 48)
                                               : Normalization.target(x)
                            var targetY = Normalization.target(y)
                            if let transform, transform.movesPixels, !x.isNaN, !y.isNaN {
                                // Out of the frame: missing, never clipped into a wrong label.
                                let moved = transform.map(x: flip ? Flip.lastColumn - x : x, y: y)
                                targetX = moved.map { Normalization.target($0.x) } ?? .nan
                                targetY = moved.map { Normalization.target($0.y) } ?? .nan
                            }
                            let at = sample * width + 2 * into
                            targets[at] = targetX.isNaN ? 0 : targetX
                            mask[at] = targetX.isNaN ? 0 : 1
                            targets[at + 1] = targetY.isNaN ? 0 : targetY
                            mask[at + 1] = targetY.isNaN ? 0 : 1
                        }
                        transform?.apply(to: image, scratch: scratch)
                    }
                }
            }
        }
    }
}

/// One mini-batch's choice of faces.
public struct BatchSelection: Sendable, Equatable {
    /// Positions within the dataset (0..<dataset.count).
    public var positions: [Int]
    /// Whether each sample is flipped.
    public var flips: [Bool]
    /// The faces (indices into `FaceDataset.faces`).
    public var faceIndices: [Int]
    /// Each sample's transform after the flip, or empty when the plan has none.
    public var transforms: [SampleTransform]

    public init(positions: [Int], flips: [Bool], faceIndices: [Int], transforms: [SampleTransform] = []) {
        self.positions = positions
        self.flips = flips
        self.faceIndices = faceIndices
        self.transforms = transforms
    }
}

extension FaceDataset {
    /// Faces `faceIndices` as epoch `epoch` of `plan` shows them to the network — flipped and
    /// transformed as drawn for that epoch — back in pixels: grey levels rounded from the
    /// normalised values, keypoints in pixel coordinates, NaN where masked. For looking at
    /// augmentation (`kplab show --augment`); each face must take part in the dataset.
    public func augmented(_ faceIndices: [Int], epoch: Int, plan: BatchPlan) -> LabeledFaces {
        var drawn: [Int: (flip: Bool, transform: SampleTransform?)] = [:]
        for selection in self.epoch(epoch, plan: plan) {
            for (sample, face) in selection.faceIndices.enumerated() {
                drawn[face] = (selection.flips[sample], selection.transforms.isEmpty ? nil : selection.transforms[sample])
            }
        }
        var result = LabeledFaces()
        var image = [Float](repeating: 0, count: FaceImage.pixelCount)
        var targets = [Float](repeating: 0, count: Keypoint.coordinateCount)
        var mask = [Float](repeating: 0, count: Keypoint.coordinateCount)
        for face in faceIndices {
            let (flip, transform) = drawn[face] ?? (false, nil)
            fill(faceIndices: [face], flips: [flip], transforms: transform.map { [$0] } ?? [],
                 images: &image, targets: &targets, mask: &mask)
            let pixels = image.map { UInt8(min(max(($0 * Normalization.pixelScale).rounded(), 0), 255)) }
            let coordinates = (0 ..< Keypoint.coordinateCount).map {
                mask[$0] == 1 ? Normalization.pixels(fromTarget: targets[$0]) : Float.nan
            }
            result.append(pixels: pixels[...], coordinates: coordinates[...])
        }
        return result
    }
}
