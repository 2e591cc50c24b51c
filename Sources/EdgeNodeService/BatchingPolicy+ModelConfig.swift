public import EdgeBatching
public import EdgeProto
import EdgeServer

extension BatchingPolicy {
  /// Requests a level queues at most when `max_queue_size` is 0 (unlimited in Triton): queues
  /// are always bounded here, so overload is refused with pushback instead of accepted.
  public static let defaultMaxQueueSize = 1024

  /// The policy a model's `config.pbtxt` asks for, with Triton's names and meanings:
  /// without `dynamic_batching` (or with `max_batch_size` 0) every request runs alone, as in
  /// Triton; with it, batches of up to `max_batch_size` rows, `preferred_batch_size`,
  /// `max_queue_delay_microseconds`, `priority_levels` (0 means 1), `default_priority_level` (0
  /// means the middle level), and the queue policies (`default_timeout_microseconds` 0 means no
  /// timeout).
  public init(modelConfig config: Inference_ModelConfig) {
    guard config.maxBatchSize > 0, case .dynamicBatching(let batching) = config.schedulingChoice else {
      self.init(maxBatchSize: 1, defaultQueuePolicy: Self.queuePolicy(nil))
      return
    }
    let levels = max(Int(clamping: batching.priorityLevels), 1)
    var policies: [Int: QueuePolicy] = [:]
    for (level, policy) in batching.priorityQueuePolicy where level >= 1 && level <= UInt64(levels) {
      policies[Int(level)] = Self.queuePolicy(policy)
    }
    self.init(
      maxBatchSize: Int(config.maxBatchSize),
      preferredBatchSizes: batching.preferredBatchSize.map(Int.init),
      maxQueueDelay: .microseconds(Int64(clamping: batching.maxQueueDelayMicroseconds)),
      priorityLevels: levels,
      defaultPriority: batching.defaultPriorityLevel == 0 ? nil : Int(clamping: batching.defaultPriorityLevel),
      defaultQueuePolicy: Self.queuePolicy(batching.hasDefaultQueuePolicy ? batching.defaultQueuePolicy : nil),
      levelPolicies: policies)
  }

  static func queuePolicy(_ policy: Inference_ModelQueuePolicy?) -> QueuePolicy {
    guard let policy else { return QueuePolicy(maxQueueSize: defaultMaxQueueSize) }
    return QueuePolicy(
      timeoutAction: policy.timeoutAction == .delay ? .delay : .reject,
      defaultTimeout: policy.defaultTimeoutMicroseconds == 0
        ? nil : .microseconds(Int64(clamping: policy.defaultTimeoutMicroseconds)),
      allowTimeoutOverride: policy.allowTimeoutOverride,
      maxQueueSize: policy.maxQueueSize == 0 ? defaultMaxQueueSize : Int(policy.maxQueueSize))
  }
}
