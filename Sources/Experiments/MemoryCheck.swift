import YAML

extension Decoding {
    /// Refuses an experiment whose `MemoryEstimate` passes `memoryLimit`, before anything is
    /// allocated (an allocation that fails kills the process with no word of which setting
    /// asked for it). The error points at the setting to change: the batch size when a batch
    /// of one image would fit; else the synthetic face count when the faces outweigh the
    /// network; else the layer at which the network, for one image, stops fitting.
    func checkMemory(of experiment: Experiment, root: Node) throws(Diagnostic) {
        // Decoding the layers has already inferred their shapes; a model that fails here
        // has been reported there.
        guard let summary = try? ModelSummary(model: experiment.model) else { return }
        let estimate = MemoryEstimate(experiment, summary: summary)
        let limit = Double(memoryLimit)
        guard estimate.total > limit else { return }

        enum Setting { case batchSize, faceCount, layer(Int, bytes: Double) }
        let rows = Double(estimate.batchRows)
        let batchBytes = estimate.input + estimate.activations.reduce(0, +)
        let networkForOneImage = estimate.parameters.reduce(0, +) + batchBytes / rows
        let setting: Setting
        if estimate.data + networkForOneImage <= limit {
            setting = .batchSize
        } else if estimate.data >= networkForOneImage {
            setting = .faceCount
        } else {
            var running = estimate.input / rows, index = 0
            for layer in summary.rows.indices {
                index = layer
                running += estimate.parameters[layer] + estimate.activations[layer] / rows
                if estimate.data + running > limit { break }
            }
            setting = .layer(index, bytes: running)
        }

        var parts = ["parameters with their gradients and optimizer state \(byteCountText(estimate.parameters.reduce(0, +)))",
                     "activations of a batch of \(grouped(estimate.batchRows)) \(byteCountText(batchBytes))"]
        if case .synthetic(let faces) = experiment.data.source {
            parts.insert("\(grouped(faces.count)) synthetic faces \(byteCountText(estimate.data))", at: 0)
        }
        let needs = "this run needs at least \(byteCountText(estimate.total)) of memory, more than this machine's "
            + "\(byteCountText(limit)): \(parts.joined(separator: ", "))"
        switch setting {
        case .faceCount:
            let path = ["data", "synthetic", "count"]
            throw error(needs + "; generate fewer faces", at: root.located(along: path), path: path)
        case .batchSize:
            let path = ["train", "batch_size"]
            throw error(needs + "; use a smaller batch_size", at: root.located(along: path), path: path)
        case .layer(let index, let bytes):
            let path = ["model", "layers"]
            throw layerError(needs + "; even for one image the layers up to this one take \(byteCountText(bytes)): "
                             + "make it smaller", index: index, of: root.located(along: path).sequence ?? [], path)
        }
    }
}
