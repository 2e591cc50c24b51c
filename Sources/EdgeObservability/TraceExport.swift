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
    // swift-otel's batch processor sends one batch per tick (the timer's, or the queue's when it
    // fills): at the specification's defaults (512 spans every 5 s, 2048 queued) a node at a few
    // thousand requests a second, five spans each, would drop most of them. A batch of 4096 spans
    // (about 1.5 MB, under the 4 MiB a collector takes by default) every quarter second carries
    // 16k spans a second, and the queue holds a second of them; an operator following a request
    // sees its spans within the second.
    configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(250)
    configuration.traces.batchSpanProcessor.maxExportBatchSize = 4096
    configuration.traces.batchSpanProcessor.maxQueueSize = 16384
    do {
      let backend = try OTel.makeTracingBackend(configuration: configuration)
      tracer = RequestTracer(backend.factory, traceID: { $0.otelTraceID })
      service = backend.service
    } catch {
      throw TraceExportError(message: "cannot export traces to \(endpoint): \(error)")
    }
  }
}
