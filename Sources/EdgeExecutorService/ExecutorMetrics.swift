public import EdgeObservability
import CoreMetrics
import EdgeServer
import Synchronization

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

  public let service = ServiceMetrics(families: ExecutorMetrics.families)

  private struct Key: Hashable {
    var model: String
    var version: String
    var code: String
  }
  private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])
  private struct ModelKey: Hashable {
    var model: String
    var version: String
  }
  private let instruments = Mutex<[ModelKey: (time: CoreMetrics.Timer, rows: Recorder)]>([:])

  public init() {}

  /// A batch answered: `code` as `RPCError.Code.canonicalName` names it; time and rows when it ran.
  func answered(model: String, version: String, code: String, elapsed: Duration?, rows: Int?) {
    let key = Key(model: model, version: version, code: code)
    let counter = counters.withLock { counters in
      if let counter = counters[key] { return counter }
      let counter = service.counter(Self.batches, [("model", model), ("version", version), ("code", code)])
      counters[key] = counter
      return counter
    }
    counter.increment()
    guard let elapsed, let rows else { return }
    let (time, recorder) = instruments.withLock { instruments in
      let key = ModelKey(model: model, version: version)
      if let made = instruments[key] { return made }
      let labels = [("model", model), ("version", version)]
      let made = (time: service.timer(Self.batchTime, labels), rows: service.recorder(Self.batchRows, labels))
      instruments[key] = made
      return made
    }
    time.recordNanoseconds(Int64(clamping: elapsed.wholeNanoseconds))
    recorder.record(rows)
  }

  func loaded(model: String, succeeded: Bool) {
    service.counter(Self.loads, [("model", model), ("outcome", succeeded ? "loaded" : "failed")]).increment()
  }

  func unloaded(model: String, succeeded: Bool) {
    service.counter(Self.unloads, [("model", model), ("outcome", succeeded ? "unloaded" : "failed")]).increment()
  }
}
