public import EdgeObservability
import CoreMetrics
import EdgeRouting
import EdgeRuntime
import EdgeServer

/// A node's metrics page: per model and version, requests by outcome, rows, where their time
/// went (queue, compute, end to end), batch sizes, queue depth and requests in flight, and model
/// loads and unloads; node-wide, admitted requests against capacity. Instruments are made once
/// per label set and kept, so recording costs a dictionary lookup and the registry's atomics.
public final class NodeMetrics: Sendable {
  static let requests = MetricFamily(
    "edge_node_requests_total", .counter, help: "Inference requests answered, by model, version and gRPC status code.")
  static let rows = MetricFamily("edge_node_request_rows_total", .counter, help: "Rows of the requests answered with a result.")
  static let queueTime = MetricFamily(
    "edge_node_queue_seconds", .durations(MetricFamily.requestBuckets), help: "Time a request waited for its batch to start.")
  static let computeTime = MetricFamily(
    "edge_node_compute_seconds", .durations(MetricFamily.requestBuckets), help: "Time the batch a request ran in took to execute.")
  static let requestTime = MetricFamily(
    "edge_node_request_seconds", .durations(MetricFamily.requestBuckets),
    help: "Time from a request's arrival at the node to its answer, any outcome.")
  static let batchRows = MetricFamily(
    "edge_node_batch_rows", .values(MetricFamily.rowBuckets), help: "Rows per executed batch (its sum counts every row run).")
  static let queueDepth = MetricFamily("edge_node_queue_depth", .gauge, help: "Requests waiting for a batch, per model version.")
  static let inFlight = MetricFamily(
    "edge_node_in_flight", .gauge, help: "Requests in a model version's batcher, queued or running.")
  static let admitted = MetricFamily("edge_node_admitted", .gauge, help: "Requests the node has admitted and not yet answered.")
  static let capacity = MetricFamily("edge_node_capacity", .gauge, help: "Requests the node admits at once before shedding.")
  static let loads = MetricFamily(
    "edge_node_model_loads_total", .counter, help: "Repository loads asked of the node, by model and outcome (loaded, failed).")
  static let unloads = MetricFamily(
    "edge_node_model_unloads_total", .counter, help: "Repository unloads asked of the node, by model and outcome (unloaded, failed).")
  static let info = MetricFamily("edge_node_info", .gauge, help: "1, labelled with the node's id and region.")

  public static let families = [
    requests, rows, queueTime, computeTime, requestTime, batchRows, queueDepth, inFlight, admitted, capacity, loads, unloads, info,
  ]

  public let service: ServiceMetrics

  private struct ModelKey: Hashable, Sendable {
    var model: String
    var version: String
  }

  private struct ModelInstruments: Sendable {
    var rows: CoreMetrics.Counter
    var queue: CoreMetrics.Timer
    var compute: CoreMetrics.Timer
    var total: CoreMetrics.Timer
    var batchRows: Recorder
  }

  private struct Outcome: Hashable, Sendable {
    var model: String
    var version: String
    var code: String
  }

  /// Per model version its histograms and rows, per version and status its count.
  private let instruments: InstrumentCache<ModelKey, ModelInstruments>
  private let outcomes: InstrumentCache<Outcome, CoreMetrics.Counter>

  public init(node: String, region: String) {
    let service = ServiceMetrics(families: Self.families)
    self.service = service
    instruments = InstrumentCache { key in
      let labels = [("model", key.model), ("version", key.version)]
      return ModelInstruments(
        rows: service.counter(Self.rows, labels), queue: service.timer(Self.queueTime, labels),
        compute: service.timer(Self.computeTime, labels), total: service.timer(Self.requestTime, labels),
        batchRows: service.recorder(Self.batchRows, labels))
    }
    outcomes = InstrumentCache { service.counter(Self.requests, [("model", $0.model), ("version", $0.version), ("code", $0.code)]) }
    service.gauge(Self.info, [("node", node), ("region", region)]).record(1)
  }

  /// Keeps the sampled gauges current: called before each scrape.
  public func sample(batchers: ModelBatchers, load: NodeLoadTracker) {
    let admitted = service.gauge(Self.admitted), capacity = service.gauge(Self.capacity)
    service.onScrape { [service] in
      let report = load.report()
      admitted.record(Double(report.inFlight))
      capacity.record(Double(report.capacity))
      for batcher in batchers.all() {
        let labels = [("model", batcher.model.name), ("version", String(batcher.model.version))]
        service.gauge(Self.queueDepth, labels).record(Double(batcher.queueDepth))
        service.gauge(Self.inFlight, labels).record(Double(batcher.inFlight))
      }
    }
  }

  /// A request answered with a result.
  public func succeeded(model: String, version: String, rows: Int, queue: Duration, compute: Duration, total: Duration) {
    outcomes[Outcome(model: model, version: version, code: "OK")].increment()
    let instruments = instruments[ModelKey(model: model, version: version)]
    instruments.rows.increment(by: Int64(rows))
    instruments.queue.recordNanoseconds(Int64(clamping: queue.wholeNanoseconds))
    instruments.compute.recordNanoseconds(Int64(clamping: compute.wholeNanoseconds))
    instruments.total.recordNanoseconds(Int64(clamping: total.wholeNanoseconds))
  }

  /// A request answered with an error status (`code`, as `RPCError.Code.canonicalName` names it).
  public func failed(model: String, version: String, code: String, total: Duration) {
    outcomes[Outcome(model: model, version: version, code: code)].increment()
    instruments[ModelKey(model: model, version: version)].total.recordNanoseconds(Int64(clamping: total.wholeNanoseconds))
  }

  /// A batch the executor ran (or failed to).
  public func executed(model: String, version: String, rows: Int) {
    instruments[ModelKey(model: model, version: version)].batchRows.record(rows)
  }

  public func loaded(model: String, succeeded: Bool) {
    service.counter(Self.loads, [("model", model), ("outcome", succeeded ? "loaded" : "failed")]).increment()
  }

  public func unloaded(model: String, succeeded: Bool) {
    service.counter(Self.unloads, [("model", model), ("outcome", succeeded ? "unloaded" : "failed")]).increment()
  }
}
