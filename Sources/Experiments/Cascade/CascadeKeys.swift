import Faces
import YAML

extension CascadeExperiment {
    /// The top level of a cascade file: `cascade` in place of an experiment's `data` and `model`
    /// (the faces are level 1's; the level-2 layers are inside `cascade`).
    static let keys = KeyTable<CascadeExperiment>([
        .experimentName(\.name),
        .seed(\.seed),
        Key("cascade", required: "cascade: {level1: results/realfaces/realfaces-1a2b3c4d}", table: CascadeSpec.keys,
            decode: { experiment, value, path, decoding throws(Diagnostic) in
                experiment.cascade = try decoding.cascade(value, path)
            },
            encode: { experiment in CascadeSpec.keys.encode(experiment.cascade) }),
        .trainSettings(\.train, example: "train: {epochs: 30}"),
    ])
}

extension CascadeSpec {
    /// `cascade:`. The table decodes in its own order, whatever the file's: `patch` and `groups`
    /// before `model`, whose layers are checked on them.
    static let keys = KeyTable<CascadeSpec>([
        Key("level1", required: "level1: results/realfaces/realfaces-1a2b3c4d", sample: "other/level1.yaml",
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec.level1 = try decoding.level1(value, path)
            },
            encode: { spec in
                let level1 = spec.level1
                guard let hash = level1.configHash, let fingerprint = level1.dataFingerprint else { return string(level1.path) }
                return mapping([("run", string(level1.path)), ("config_hash", plain(hash)),
                                ("data_fingerprint", plain(fingerprint))])
            }),
        Key("patch", sample: "32",
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec.patch = try decoding.integer(value, path, atLeast: patchSides.lowerBound)
                guard spec.patch <= patchSides.upperBound else {
                    throw decoding.error("patch must be at most \(patchSides.upperBound) (the whole face), found \(spec.patch)",
                                         at: value, path: path)
                }
            },
            encode: { spec in plain("\(spec.patch)") }),
        .number("jitter", \.jitter, rule: "at least 0", sample: "3") { $0 >= 0 },
        Key("groups", sample: "[[left_eye_center, right_eye_center]]",
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec.groups = try decoding.keypointGroups(value, path)
            },
            encode: { spec in
                spec.groups == perKeypoint ? plain(perKeypointName)
                    : sequence(spec.groups.map { group in sequence(group.map { plain($0.name) }) })
            }),
        Key("model", required: "model: {layers: [flatten, {dense: 100}, relu]}", table: ModelSpec.keys,
            decode: { spec, value, path, decoding throws(Diagnostic) in
                var shaped = decoding
                shaped.modelShapes = .patch(side: spec.patch, outputs: spec.groups.map { 2 * $0.count })
                spec.model = try shaped.model(value, path)
            },
            encode: { spec in ModelSpec.keys.encode(spec.model) }),
    ])

    /// How `groups:` names a net per keypoint.
    static let perKeypointName = "per-keypoint"
}

extension Decoding {
    /// The `cascade` mapping, then the rules between its keys: the patch fits the face, and the
    /// jitter leaves a keypoint inside its patch.
    func cascade(_ node: Node, _ path: [String]) throws(Diagnostic) -> CascadeSpec {
        let fields = try CascadeSpec.keys.fields(node, path, decoding: self)
        // The placeholders are replaced: level1 and model are required.
        var spec = CascadeSpec(level1: .init(path: "", isExperimentFile: false), model: ModelSpec(layers: []))
        try CascadeSpec.keys.decode(fields, into: &spec, decoding: self)
        if let jitter = fields["jitter"], spec.jitter >= Double(spec.patch) / 2 {
            throw error("jitter must be less than half the patch (\(spec.patch) px), found \(spec.jitter): a keypoint "
                        + "could then fall outside its patch", at: jitter, path: fields.path("jitter"))
        }
        return spec
    }

    /// A run folder or an experiment file (`.yaml`/`.yml`), as a path or as the recorded
    /// mapping `{run: PATH, config_hash: …, data_fingerprint: …}`.
    func level1(_ node: Node, _ path: [String]) throws(Diagnostic) -> CascadeSpec.Level1 {
        guard node.mapping != nil else {
            let written = try string(node, path)
            return CascadeSpec.Level1(path: absolutePath(written, at: path), isExperimentFile: Self.namesExperimentFile(written))
        }
        let fields = try Fields(node, path, allowed: ["run", "config_hash", "data_fingerprint"],
                                expected: "a path, or a mapping with run, config_hash and data_fingerprint", decoding: self)
        let run = try fields.required("run", example: "run: results/realfaces/realfaces-1a2b3c4d", decoding: self)
        let written = try string(run, fields.path("run"))
        var level1 = CascadeSpec.Level1(path: absolutePath(written, at: fields.path("run")),
                                        isExperimentFile: Self.namesExperimentFile(written))
        for (key, field) in [("config_hash", \CascadeSpec.Level1.configHash), ("data_fingerprint", \.dataFingerprint)] {
            let value = try fields.required(key, example: "\(key): <64 hex digits, from the run's run.json>", decoding: self)
            let text = try string(value, fields.path(key))
            guard text.count == 64, text.allSatisfy(\.isHexDigit) else {
                throw error("\(key) must be 64 hex digits (as run.json records it), found '\(text)'", at: value, path: fields.path(key))
            }
            level1[keyPath: field] = text.lowercased()
        }
        return level1
    }

    private static func namesExperimentFile(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }

    /// `per-keypoint`, or a list of groups, each a keypoint name or a list of them; a keypoint
    /// may be in one group only.
    func keypointGroups(_ node: Node, _ path: [String]) throws(Diagnostic) -> [[Keypoint]] {
        let names = Keypoint.allCases.map(\.name)
        guard let items = node.sequence else {
            _ = try choice(node, path, what: "keypoint grouping", among: [CascadeSpec.perKeypointName])
            return CascadeSpec.perKeypoint
        }
        guard !items.isEmpty else {
            throw error("groups needs at least one group (or per-keypoint)", at: node, path: path)
        }
        var groups: [[Keypoint]] = []
        var groupOf: [Keypoint: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = path + [String(index)]
            let members = item.sequence ?? [item]
            guard !members.isEmpty else { throw error("a group needs at least one keypoint", at: item, path: itemPath) }
            var group: [Keypoint] = []
            for (position, member) in members.enumerated() {
                let memberPath = item.sequence == nil ? itemPath : itemPath + [String(position)]
                let name = try choice(member, memberPath, what: "keypoint", among: names)
                let keypoint = Keypoint.allCases.first { $0.name == name }!
                if let earlier = groupOf[keypoint] {
                    throw error("\(name) is already in group \(earlier) (groups count from 0); a keypoint is refined "
                                + "by one level-2 net", at: member, path: memberPath)
                }
                groupOf[keypoint] = index
                group.append(keypoint)
            }
            groups.append(group)
        }
        return groups
    }

    /// The value of `key` in the mapping `node`, if it has one.
    func node(under node: Node, _ key: String) -> Node? {
        node.mapping?.first { $0.key.scalar?.text == key }?.value
    }
}
