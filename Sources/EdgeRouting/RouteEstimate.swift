/// The time a request is expected to take on a node, in its parts.
public struct RouteEstimate: Sendable, Hashable {
  /// From the client to the node and back: the client's distance, plus the router's measured
  /// round trip to the node.
  public var network: Duration
  /// Waiting behind the node's queue: queue depth × recent execution time.
  public var queue: Duration
  /// For recent failures.
  public var penalty: Duration

  public init(network: Duration = .zero, queue: Duration = .zero, penalty: Duration = .zero) {
    self.network = network
    self.queue = queue
    self.penalty = penalty
  }

  public var total: Duration { network + queue + penalty }
}
