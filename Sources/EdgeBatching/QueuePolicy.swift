/// One priority level's queue rules (Triton's `ModelQueuePolicy`).
public struct QueuePolicy: Sendable, Equatable {
  public var timeoutAction: TimeoutAction
  /// The timeout of a request that names none; nil for none.
  public var defaultTimeout: Duration?
  /// Whether a request's own `timeout` parameter replaces the default.
  public var allowTimeoutOverride: Bool
  /// Requests the level holds at most; a request past it is refused at once. Never unbounded:
  /// an overloaded node should shed load rather than queue it.
  public var maxQueueSize: Int

  public init(
    timeoutAction: TimeoutAction = .reject, defaultTimeout: Duration? = nil, allowTimeoutOverride: Bool = true,
    maxQueueSize: Int = 1024
  ) {
    precondition(maxQueueSize > 0, "a queue holds at least one request")
    self.timeoutAction = timeoutAction
    self.defaultTimeout = defaultTimeout
    self.allowTimeoutOverride = allowTimeoutOverride
    self.maxQueueSize = maxQueueSize
  }
}
