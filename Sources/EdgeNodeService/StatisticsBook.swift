import Foundation
public import EdgeProto
import Synchronization
import EdgeServer

/// Triton's per-model statistics (ModelStatistics): success and failure counts and durations,
/// queue and compute time, inference and execution counts, and executions per batch size.
public final class StatisticsBook: Sendable {
  private let entries = Mutex<[Key: Inference_ModelStatistics]>([:])

  private struct Key: Hashable {
    var model: String
    var version: String
  }

  public init() {}

  /// A request answered with a result: its rows count as inferences.
  public func recordSuccess(
    model: String, version: String, rows: Int, totalNanoseconds: UInt64, queueNanoseconds: UInt64,
    computeNanoseconds: UInt64
  ) {
    update(model: model, version: version) { stats in
      stats.lastInference = UInt64(Date().timeIntervalSince1970 * 1000)
      stats.inferenceCount += UInt64(rows)
      Self.add(&stats.inferenceStats.success, totalNanoseconds)
      Self.add(&stats.inferenceStats.queue, queueNanoseconds)
      Self.add(&stats.inferenceStats.computeInfer, computeNanoseconds)
    }
  }

  /// A batch the executor ran: one execution, counted under its size in rows.
  public func recordExecution(model: String, version: String, batchRows: Int, computeNanoseconds: UInt64) {
    update(model: model, version: version) { stats in
      stats.executionCount += 1
      if let index = stats.batchStats.firstIndex(where: { $0.batchSize == UInt64(batchRows) }) {
        Self.add(&stats.batchStats[index].computeInfer, computeNanoseconds)
      } else {
        var batch = Inference_InferBatchStatistics()
        batch.batchSize = UInt64(batchRows)
        Self.add(&batch.computeInfer, computeNanoseconds)
        stats.batchStats.append(batch)
        stats.batchStats.sort { $0.batchSize < $1.batchSize }
      }
    }
  }

  public func recordFailure(model: String, version: String, totalNanoseconds: UInt64) {
    update(model: model, version: version) { Self.add(&$0.inferenceStats.fail, totalNanoseconds) }
  }

  private func update(model: String, version: String, _ change: (inout Inference_ModelStatistics) -> Void) {
    entries.withLock { entries in
      var stats = entries[Key(model: model, version: version)] ?? Self.empty(model: model, version: version)
      change(&stats)
      entries[Key(model: model, version: version)] = stats
    }
  }

  /// Statistics for one model (every version when `version` is empty), or every model.
  public func statistics(model: String, version: String) -> [Inference_ModelStatistics] {
    entries.withLock { entries in
      entries.filter { key, _ in
        (model.isEmpty || key.model == model) && (version.isEmpty || key.version == version)
      }.values.sorted { ($0.name, $0.version) < ($1.name, $1.version) }
    }
  }

  /// A zeroed entry, for models that are loaded but have not run yet.
  public static func empty(model: String, version: String) -> Inference_ModelStatistics {
    var stats = Inference_ModelStatistics()
    stats.name = model
    stats.version = version
    stats.inferenceStats = Inference_InferStatistics()
    return stats
  }

  private static func add(_ duration: inout Inference_StatisticDuration, _ nanoseconds: UInt64) {
    duration.count += 1
    duration.ns += nanoseconds
  }
}
