public import Tracing

/// A service's spans about requests, made only when a trace exporter is configured
/// (`--otlp-endpoint`, TraceExport); without one no span is made at all, so tracing costs a
/// service that does not export nothing. Hops meet through W3C trace context: the parent a
/// request carries (`traceparent`, `tracestate`) is read through the tracer, and the span a
/// service sends on becomes the next hop's parent the same way, so every service's spans of a
/// request share its trace id whatever exporter each uses.
public struct RequestTracer: Sendable {
  public let tracer: any Tracer
  /// The trace id of a span's context, where the tracer offers it without serializing the
  /// context (swift-otel's `otelTraceID`).
  private let traceID: @Sendable (ServiceContext) -> String?

  public init(_ tracer: any Tracer, traceID: @escaping @Sendable (ServiceContext) -> String? = { _ in nil }) {
    self.tracer = tracer
    self.traceID = traceID
  }

  /// A span under `parent`, the trace context a request arrived with (a new trace when nil), and
  /// the id of the span's trace: what the service reports (`edge_trace_id`, its log lines).
  public func startSpan(_ name: String, parent: TraceContext?, kind: SpanKind) -> (span: any Span, traceID: String) {
    var context = ServiceContext.topLevel
    if let parent { tracer.extract(parent.headers, into: &context, using: HeaderCarrier()) }
    let span = tracer.startSpan(name, context: context, ofKind: kind)
    // A span under a parent is in the parent's trace; a new trace's id is read off the span
    // (cheaply where the tracer offers it, else as it would be sent on). A tracer that speaks no
    // W3C trace context leaves a new id of its own.
    let traceID = parent?.traceID ?? traceID(span.context) ?? trace(of: span.context)?.traceID ?? TraceContext.start().traceID
    return (span, traceID)
  }

  /// A span under another of this service's spans (an attempt under the route, a batch under
  /// the request that opened it).
  public func startSpan(_ name: String, context: ServiceContext, kind: SpanKind = .internal) -> any Span {
    tracer.startSpan(name, context: context, ofKind: kind)
  }

  /// The headers that make `context`'s span the parent of the next hop's.
  public func headers(_ context: ServiceContext) -> [(String, String)] {
    var carrier: [(String, String)] = []
    tracer.inject(context, into: &carrier, using: HeaderCarrier())
    return carrier
  }

  /// The W3C trace context of a span's context, as the tracer would send it on.
  public func trace(of context: ServiceContext) -> TraceContext? {
    let headers = headers(context)
    guard let parent = headers.first(where: { $0.0 == "traceparent" })?.1 else { return nil }
    return TraceContext(traceparent: parent, tracestate: headers.first { $0.0 == "tracestate" }?.1)
  }
}
