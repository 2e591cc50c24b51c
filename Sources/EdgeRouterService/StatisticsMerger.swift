public import EdgeProto
import EdgeServer

/// Adds up ModelStatistics from several nodes into one entry per model version, as a client
/// asking the router expects: the cluster's totals.
public enum StatisticsMerger {
  public static func merge(_ lists: [[Inference_ModelStatistics]]) -> [Inference_ModelStatistics] {
    var merged: [String: Inference_ModelStatistics] = [:]
    for stats in lists.joined() {
      let key = "\(stats.name)\u{0}\(stats.version)"
      guard var total = merged[key] else {
        merged[key] = stats
        continue
      }
      total.lastInference = max(total.lastInference, stats.lastInference)
      total.inferenceCount += stats.inferenceCount
      total.executionCount += stats.executionCount
      add(&total.inferenceStats.success, stats.inferenceStats.success)
      add(&total.inferenceStats.fail, stats.inferenceStats.fail)
      add(&total.inferenceStats.queue, stats.inferenceStats.queue)
      add(&total.inferenceStats.computeInput, stats.inferenceStats.computeInput)
      add(&total.inferenceStats.computeInfer, stats.inferenceStats.computeInfer)
      add(&total.inferenceStats.computeOutput, stats.inferenceStats.computeOutput)
      for batch in stats.batchStats {
        if let index = total.batchStats.firstIndex(where: { $0.batchSize == batch.batchSize }) {
          add(&total.batchStats[index].computeInput, batch.computeInput)
          add(&total.batchStats[index].computeInfer, batch.computeInfer)
          add(&total.batchStats[index].computeOutput, batch.computeOutput)
        } else {
          total.batchStats.append(batch)
        }
      }
      total.batchStats.sort { $0.batchSize < $1.batchSize }
      merged[key] = total
    }
    return merged.values.sorted { ($0.name, $0.version) < ($1.name, $1.version) }
  }

  private static func add(_ total: inout Inference_StatisticDuration, _ part: Inference_StatisticDuration) {
    total.count += part.count
    total.ns += part.ns
  }
}
