/// How a model's requests are batched (Triton's `dynamic_batching` and `max_batch_size`).
public struct BatchingPolicy: Sendable, Equatable {
  /// Rows a batch holds at most (1 turns batching off).
  public var maxBatchSize: Int
  /// Batch sizes to send as soon as the queue can fill one, largest first.
  public var preferredBatchSizes: [Int]
  /// How long the oldest queued request may wait for a batch to fill before what is there goes.
  public var maxQueueDelay: Duration
  /// Priority levels 1 (highest) … `priorityLevels`.
  public var priorityLevels: Int
  /// The level of a request that names none.
  public var defaultPriority: Int
  /// Every level's rules, unless `levelPolicies` names the level.
  public var defaultQueuePolicy: QueuePolicy
  public var levelPolicies: [Int: QueuePolicy]

  public init(
    maxBatchSize: Int, preferredBatchSizes: [Int] = [], maxQueueDelay: Duration = .zero, priorityLevels: Int = 1,
    defaultPriority: Int? = nil, defaultQueuePolicy: QueuePolicy = QueuePolicy(), levelPolicies: [Int: QueuePolicy] = [:]
  ) {
    precondition(maxBatchSize >= 1, "a batch holds at least one row")
    precondition(priorityLevels >= 1, "at least one priority level")
    self.maxBatchSize = maxBatchSize
    self.preferredBatchSizes = preferredBatchSizes.filter { $0 >= 1 && $0 <= maxBatchSize }.sorted()
    self.maxQueueDelay = max(maxQueueDelay, .zero)
    self.priorityLevels = priorityLevels
    self.defaultPriority = min(max(defaultPriority ?? (priorityLevels + 1) / 2, 1), priorityLevels)
    self.defaultQueuePolicy = defaultQueuePolicy
    self.levelPolicies = levelPolicies
  }

  public func queuePolicy(of level: Int) -> QueuePolicy {
    levelPolicies[level] ?? defaultQueuePolicy
  }
}
