public import EdgeObservability
import CoreMetrics
import EdgeServer

/// An executor's metrics page: batches run by model, version and status, their execution time
/// and rows, and model loads and unloads.
public final class ExecutorMetrics: Sendable {
  static let batches = MetricFamily(
    "edge_executor_batches_total", .counter,
    help: "Batches asked of the executor, by model, version and gRPC status code (model empty when the name is not served here).")
  static let batchTime = MetricFamily(
    "edge_executor_batch_seconds", .durations(MetricFamily.requestBuckets), help: "Time a batch took to execute, by model and version.")
  static let batchRows = MetricFamily(
    "edge_executor_batch_rows", .values(MetricFamily.rowBuckets), help: "Rows per executed batch, by model and version.")
  static let loads = MetricFamily(
    "edge_executor_model_loads_total", .counter, help: "Loads asked of the executor, by model and outcome (loaded, failed).")
  static let unloads = MetricFamily(
    "edge_executor_model_unloads_total", .counter, help: "Unloads asked of the executor, by model and outcome (unloaded, failed).")
  public static let families = [batches, batchTime, batchRows, loads, unloads]

  public let service: ServiceMetrics

  private struct Outcome: Hashable, Sendable {
    var model: String
    var version: String
    var code: String
  }
  private struct ModelKey: Hashable, Sendable {
    var model: String
    var version: String
  }
  private let outcomes: InstrumentCache<Outcome, CoreMetrics.Counter>
  private let instruments: InstrumentCache<ModelKey, (time: CoreMetrics.Timer, rows: Recorder)>

  public init() {
    let service = ServiceMetrics(families: Self.families)
    self.service = service
    outcomes = InstrumentCache { service.counter(Self.batches, [("model", $0.model), ("version", $0.version), ("code", $0.code)]) }
    instruments = InstrumentCache { key in
      let labels = [("model", key.model), ("version", key.version)]
      return (service.timer(Self.batchTime, labels), service.recorder(Self.batchRows, labels))
    }
  }

  /// A batch answered: `code` as `RPCError.Code.canonicalName` names it; time and rows when it ran.
  func answered(model: String, version: String, code: String, elapsed: Duration?, rows: Int?) {
    outcomes[Outcome(model: model, version: version, code: code)].increment()
    guard let elapsed, let rows else { return }
    let made = instruments[ModelKey(model: model, version: version)]
    made.time.recordNanoseconds(Int64(clamping: elapsed.wholeNanoseconds))
    made.rows.record(rows)
  }

  func loaded(model: String, succeeded: Bool) {
    service.counter(Self.loads, [("model", model), ("outcome", succeeded ? "loaded" : "failed")]).increment()
  }

  func unloaded(model: String, succeeded: Bool) {
    service.counter(Self.unloads, [("model", model), ("outcome", succeeded ? "unloaded" : "failed")]).increment()
  }
}
