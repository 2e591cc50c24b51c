import EdgeObservability
import Logging
import Testing
import Tracing

/// Spans on swift-otel's tracer (the one `--otlp-endpoint` installs; its exporter is not run
/// here): the trace ids a service reports and sends on follow the request's W3C trace context.
/// The spans as a collector receives them are checked across the real binaries in
/// Tests/interop/test_traces.py.
struct RequestTracerTests {
  static let clientParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

  static func tracer() throws -> RequestTracer {
    try TraceExport(endpoint: "http://127.0.0.1:9", serviceName: "edge-test", instance: "test", logger: Logger(label: "test")).tracer
  }

  @Test func aRequestsSpanContinuesTheClientsTrace() throws {
    let tracer = try Self.tracer()
    let client = try #require(TraceContext(traceparent: Self.clientParent, tracestate: "vendor=1"))
    let (route, _) = tracer.startSpan("route", parent: client, kind: .server)
    #expect(route.isRecording)
    // What the service sends on names its own span, not the client's, and passes the state on.
    let sent = try #require(tracer.trace(of: route.context))
    #expect(sent.traceID == client.traceID)
    #expect(sent.parentID != client.parentID)
    #expect(sent.state == "vendor=1")
    let headers = Dictionary(uniqueKeysWithValues: tracer.headers(route.context))
    #expect(headers["traceparent"] == sent.traceparent)
    #expect(headers["tracestate"] == "vendor=1")

    // A span under it (an attempt) is in the same trace with an id of its own.
    let attempt = tracer.startSpan("attempt", context: route.context, kind: .client)
    let next = try #require(tracer.trace(of: attempt.context))
    #expect(next.traceID == client.traceID)
    #expect(next.parentID != sent.parentID)
    attempt.end()
    route.end()
  }

  @Test func withoutAParentEachRequestStartsItsOwnTrace() throws {
    let tracer = try Self.tracer()
    let (first, one) = tracer.startSpan("route", parent: nil, kind: .server)
    let (second, other) = tracer.startSpan("route", parent: nil, kind: .server)
    #expect(one != other)
    // The id reported is the one the span sends on.
    #expect(tracer.trace(of: first.context)?.traceID == one)
    #expect(tracer.trace(of: second.context)?.traceID == other)
    #expect(tracer.trace(of: first.context)?.flags == "01")
    first.end()
    second.end()
  }

  @Test func aClientThatAsksNotToSampleGetsNoRecordedSpans() throws {
    let tracer = try Self.tracer()
    let unsampled = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
    let (span, _) = tracer.startSpan("route", parent: unsampled, kind: .server)
    #expect(!span.isRecording)
    // The trace is still passed on, unsampled.
    #expect(tracer.trace(of: span.context)?.traceID == unsampled.traceID)
    #expect(tracer.trace(of: span.context)?.flags == "00")
    span.end()
  }

  @Test func anEndpointThatIsNotAURLIsRefusedClearly() {
    for endpoint in ["127.0.0.1:4317", "localhost", "http://", "grpc://127.0.0.1:4317", ""] {
      #expect(throws: TraceExportError.self) {
        try TraceExport(endpoint: endpoint, serviceName: "edge-test", instance: "test", logger: Logger(label: "test"))
      }
    }
  }
}
