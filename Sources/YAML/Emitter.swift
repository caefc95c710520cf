internal import CYAML

extension Node {
    /// The tree as block-style YAML, the canonical form of the configuration files the runner
    /// writes: mappings in key order, sequences as `- item`, empty collections as `[]`/`{}`.
    ///
    /// libyaml's emitter decides the quoting, so that parsing the text again gives a tree with
    /// the same content (`hasSameContent(as:)`): strings that cannot be written plain are
    /// quoted, and so are non-plain strings that would read as null, a boolean or a number
    /// when plain (`isAmbiguousWhenPlain`). Marks are not kept, nor are comments.
    public func yamlText() -> String {
        Emitter().text(of: self)
    }
}

/// Owns a libyaml emitter (`yaml_emitter_t`) that writes into a Swift buffer; freed in `deinit`.
final class Emitter {
    /// Collects libyaml's output; passed to its write handler as an opaque pointer.
    private final class Output {
        var bytes: [UInt8] = []
    }

    private let emitter: UnsafeMutablePointer<yaml_emitter_t>
    private let output = Output()

    init() {
        emitter = .allocate(capacity: 1)
        guard yaml_emitter_initialize(emitter) == 1 else {
            fatalError("libyaml could not allocate an emitter")
        }
        yaml_emitter_set_unicode(emitter, 1)  // write é as é, not "\xE9"
        yaml_emitter_set_width(emitter, -1)  // never fold long scalars over several lines
        yaml_emitter_set_output(emitter, { data, buffer, size in
            let output = Unmanaged<Output>.fromOpaque(data!).takeUnretainedValue()
            output.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, Unmanaged.passUnretained(output).toOpaque())
    }

    deinit {
        yaml_emitter_delete(emitter)
        emitter.deallocate()
    }

    /// One document holding `root`, without `---` or `...` unless libyaml needs them.
    func text(of root: Node) -> String {
        var event = yaml_event_t()
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
        emit(&event)
        yaml_document_start_event_initialize(&event, nil, nil, nil, 1)
        emit(&event)
        emit(root)
        yaml_document_end_event_initialize(&event, 1)
        emit(&event)
        yaml_stream_end_event_initialize(&event)
        emit(&event)
        return String(decoding: output.bytes, as: UTF8.self)
    }

    private func emit(_ node: Node) {
        var event = yaml_event_t()
        switch node.content {
        case .scalar(let scalar):
            // libyaml asserts a non-null value even when empty: keep a terminating zero.
            let value = Array(scalar.text.utf8) + [0]
            // "plain implicit" tells libyaml that a plain spelling reads back as this string;
            // without it (and without a tag) libyaml quotes the scalar.
            let plainImplicit: Int32 = scalar.isPlain || !scalar.isAmbiguousWhenPlain ? 1 : 0
            let style = scalar.isPlain ? YAML_PLAIN_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE
            value.withUnsafeBufferPointer {
                _ = yaml_scalar_event_initialize(&event, nil, nil, $0.baseAddress, Int32($0.count - 1),
                                                 plainImplicit, 1, style)
            }
            emit(&event)
        case .sequence(let items):
            yaml_sequence_start_event_initialize(&event, nil, nil, 1, YAML_BLOCK_SEQUENCE_STYLE)
            emit(&event)
            for item in items { emit(item) }
            yaml_sequence_end_event_initialize(&event)
            emit(&event)
        case .mapping(let pairs):
            yaml_mapping_start_event_initialize(&event, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE)
            emit(&event)
            for pair in pairs {
                emit(pair.key)
                emit(pair.value)
            }
            yaml_mapping_end_event_initialize(&event)
            emit(&event)
        }
    }

    /// Hands `event` to libyaml, which takes ownership of it.
    private func emit(_ event: inout yaml_event_t) {
        guard yaml_emitter_emit(emitter, &event) == 1 else {
            // Only a failed allocation or a broken event order gets here; the events come from
            // a well-formed tree and Swift strings are always valid UTF-8.
            let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown error"
            fatalError("libyaml could not emit YAML: \(problem)")
        }
    }
}
