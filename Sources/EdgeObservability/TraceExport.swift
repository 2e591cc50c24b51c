public import Logging
import OTel
public import ServiceLifecycle

/// A service's spans sent to an OpenTelemetry collector over OTLP/gRPC (`--otlp-endpoint`):
/// the tracer the service's spans are made with, and the background service that batches and
/// sends them, which runs beside the server and flushes what is left when it stops. The
/// standard `OTEL_*` environment variables adjust it (swift-otel reads them), except that only
/// traces are exported: metrics have their page and logs their stream.
public struct TraceExport: Sendable {
  public let tracer: RequestTracer
  public let service: any Service

  /// - Parameters:
  ///   - endpoint: the collector, `http://HOST:PORT` (TLS with `https://`).
  ///   - serviceName: `service.name` of every span (`edge-router`, `edge-node`, `edge-executor`).
  ///   - instance: `service.instance.id`: the router's, node's or executor's id.
  public init(endpoint: String, serviceName: String, instance: String, logger: Logger) throws(TraceExportError) {
    guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://"), endpoint.count > "https://".count else {
      throw TraceExportError(message: "--otlp-endpoint must be a URL such as http://127.0.0.1:4317, not '\(endpoint)'")
    }
    var configuration = OTel.Configuration.default
    configuration.serviceName = serviceName
    configuration.resourceAttributes = ["service.instance.id": instance, "service.version": BuildInfo.version]
    configuration.diagnosticLogger = .custom(logger)
    configuration.metrics.enabled = false
    configuration.logs.enabled = false
    configuration.traces.otlpExporter.protocol = .grpc
    configuration.traces.otlpExporter.endpoint = endpoint
    // Spans leave within a second of ending: an operator following a request should not wait
    // the specification's five.
    configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
    do {
      let backend = try OTel.makeTracingBackend(configuration: configuration)
      tracer = RequestTracer(backend.factory)
      service = backend.service
    } catch {
      throw TraceExportError(message: "cannot export traces to \(endpoint): \(error)")
    }
  }
}
