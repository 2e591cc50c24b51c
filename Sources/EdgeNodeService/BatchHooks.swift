import EdgeServer
/// What the node wants to hear from its batchers: load accounting when a batch starts and ends,
/// and per-batch-size statistics.
public struct BatchHooks: Sendable {
  public var started: @Sendable (_ model: String, _ version: String, _ requests: Int) -> Void
  public var finished: @Sendable (_ model: String, _ version: String, _ requests: Int, _ rows: Int, _ compute: Duration, _ succeeded: Bool) -> Void

  public init(
    started: @escaping @Sendable (_ model: String, _ version: String, _ requests: Int) -> Void = { _, _, _ in },
    finished: @escaping @Sendable (_ model: String, _ version: String, _ requests: Int, _ rows: Int, _ compute: Duration, _ succeeded: Bool) -> Void = { _, _, _, _, _, _ in }
  ) {
    self.started = started
    self.finished = finished
  }
}
