/// A request as the batcher sees it: an id the caller keeps, its rows, and what it asked for.
public struct QueuedRequest: Sendable, Equatable {
  public var id: UInt64
  /// Rows in the batch dimension (1 for one example).
  public var rows: Int
  /// The `priority` request parameter; nil or 0 for the model's default level.
  public var priority: Int?
  /// The `timeout` request parameter (Triton's, in microseconds, converted); nil for the level's
  /// default.
  public var timeout: Duration?
  /// When the client's gRPC deadline passes; nil for none.
  public var deadline: ContinuousClock.Instant?
  /// Requests join one batch only with requests of the same group: the caller's key for inputs
  /// that can be concatenated (the same shapes past the batch dimension).
  public var group: Int

  public init(
    id: UInt64, rows: Int, priority: Int? = nil, timeout: Duration? = nil, deadline: ContinuousClock.Instant? = nil,
    group: Int = 0
  ) {
    self.id = id
    self.rows = rows
    self.priority = priority
    self.timeout = timeout
    self.deadline = deadline
    self.group = group
  }
}
