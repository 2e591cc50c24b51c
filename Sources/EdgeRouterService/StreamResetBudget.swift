import EdgeSecurity
import EdgeServer

/// Whether the router resets a node's stream when the request behind it is cancelled (its client
/// left, or another attempt won). Every reset is an RST_STREAM on the one connection to that
/// node, and HTTP/2 servers close a connection that receives too many (NIO's: 200 in 30 s, the
/// defence against "rapid reset" floods); closed, it fails every request on it. So clients that
/// cancel, careless or hostile, must never reset the router's connections at that rate:
/// - a cancellation at the request's deadline resets nothing: the node was told the same deadline
///   (`x-edge-timeout`) and answers by it from its own queue, ending the stream cleanly;
/// - other cancellations reset at most `rate` a second per node (with a burst), which keeps a
///   connection under NIO's limit; beyond it the call runs to the node's answer, which costs the
///   node no more than the deadline bounds.
public struct StreamResetBudget: Sendable {
  /// Resets a second per node, and how many may come at once.
  public var rate: Double
  public var burst: Double
  /// Cancellations this close to the deadline count as the deadline's.
  public var deadlineMargin: Duration
  private var buckets: [String: TokenBucket] = [:]

  public init(rate: Double = 4, burst: Double = 50, deadlineMargin: Duration = .milliseconds(10)) {
    self.rate = rate
    self.burst = burst
    self.deadlineMargin = deadlineMargin
  }

  /// Whether to reset the stream to `node` of a request cancelled at `now`.
  public mutating func mayReset(node: String, deadline: ContinuousClock.Instant, at now: ContinuousClock.Instant) -> Bool {
    guard now < deadline - deadlineMargin else { return false }
    var bucket = buckets[node] ?? TokenBucket(rate: rate, burst: burst, at: now)
    let granted = bucket.take(at: now) == nil
    buckets[node] = bucket
    return granted
  }

  /// Forgets nodes no longer in the cluster.
  public mutating func retain(_ nodes: Set<String>) {
    buckets = buckets.filter { nodes.contains($0.key) }
  }
}
