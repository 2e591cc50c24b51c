public import EdgeObservability
public import GRPCCore

extension TraceContext {
  /// The trace context a call carries (`traceparent`, with every `tracestate` line joined as
  /// the specification joins repeated headers); nil without a valid `traceparent`.
  public init?(_ metadata: Metadata) {
    guard let parent = metadata[stringValues: "traceparent"].first(where: { _ in true }) else { return nil }
    let states = Array(metadata[stringValues: "tracestate"])
    self.init(traceparent: parent, tracestate: states.isEmpty ? nil : states.joined(separator: ","))
  }
}
