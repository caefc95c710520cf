/// One libyaml parse event, copied into Swift values so that nothing of C outlives the call
/// that produced it. Marks are already 1-based.
enum Event {
    case streamStart
    case streamEnd
    case documentStart(Mark)
    case documentEnd
    case alias(anchor: String, Mark)
    case scalar(Node.Scalar, anchor: String?, Mark)
    case sequenceStart(anchor: String?, Mark)
    case sequenceEnd
    case mappingStart(anchor: String?, Mark)
    case mappingEnd
}
