import YAML

extension Node {
    /// The steps of `keyPath` that exist in this tree, in order, each with the key node that
    /// leads to it (nil for a list item, entered by index); the walk stops at the first
    /// missing key.
    func existingSteps(along keyPath: [String]) -> [(key: Node?, value: Node)] {
        var steps: [(key: Node?, value: Node)] = [], node = self
        for key in keyPath {
            if let pair = node.mapping?.first(where: { $0.key.scalar?.text == key }) {
                steps.append((pair.key, pair.value))
            } else if let items = node.sequence, let index = Int(key), items.indices.contains(index) {
                steps.append((nil, items[index]))
            } else {
                break
            }
            node = steps.last!.value
        }
        return steps
    }

    /// What a message about the setting at `keyPath` points at: its value when the tree holds
    /// it, else the key of the nearest enclosing setting that is written (`train:` for a
    /// left-out `train.batch_size`), else the whole tree.
    func located(along keyPath: [String]) -> Node {
        let steps = existingSteps(along: keyPath)
        guard let last = steps.last else { return self }
        return steps.count == keyPath.count ? last.value : last.key ?? last.value
    }
}
