public import EdgeRouting
import Synchronization
import EdgeServer

/// Admission and load accounting for one node: how many requests it holds, how long they take,
/// and whether one more fits. A request over capacity is refused at once (the router then goes
/// elsewhere) instead of queueing behind work the node cannot finish in time.
public final class NodeLoadTracker: Sendable {
  public let capacity: Int
  private let state = Mutex(State())

  private struct State {
    var inFlight = 0
    var executing = 0
    /// Exponentially weighted mean of one request's share of its batch's execution time, in
    /// microseconds: how fast the queue drains.
    var meanExecutionMicroseconds: Double = 0
    /// Batches that can run at once, across the node's model versions.
    var instances = 1
  }

  /// Weight of the newest sample in the execution-time mean.
  private static let smoothing = 0.2

  public init(capacity: Int) {
    precondition(capacity > 0, "capacity must be positive")
    self.capacity = capacity
  }

  /// Takes a slot; false when the node is full.
  public func admit() -> Bool {
    state.withLock { state in
      guard state.inFlight < capacity else { return false }
      state.inFlight += 1
      return true
    }
  }

  public func release() {
    state.withLock { $0.inFlight -= 1 }
  }

  /// A batch of `requests` requests started.
  public func executionStarted(requests: Int = 1) {
    state.withLock { $0.executing += requests }
  }

  /// A batch of `requests` requests ended after `microseconds`.
  public func executionFinished(requests: Int = 1, microseconds: Double) {
    state.withLock { state in
      state.executing -= requests
      let share = microseconds / Double(max(requests, 1))
      state.meanExecutionMicroseconds =
        state.meanExecutionMicroseconds == 0
        ? share : state.meanExecutionMicroseconds * (1 - Self.smoothing) + share * Self.smoothing
    }
  }

  /// The batches the node can run at once changed (a model version got its batcher).
  public func setInstances(_ instances: Int) {
    state.withLock { $0.instances = max(1, instances) }
  }

  /// When a full node may have room again: its queue drained at the recent execution rate.
  public func retryAfterMilliseconds() -> Int {
    state.withLock { state in
      max(1, Int((Double(state.inFlight) * state.meanExecutionMicroseconds / Double(state.instances) / 1000).rounded(.up)))
    }
  }

  public func report() -> NodeLoadReport {
    state.withLock { state in
      NodeLoadReport(
        queueDepth: max(0, state.inFlight - state.executing), inFlight: state.inFlight,
        capacity: capacity, recentExecutionMicroseconds: state.meanExecutionMicroseconds, instances: state.instances)
    }
  }
}
