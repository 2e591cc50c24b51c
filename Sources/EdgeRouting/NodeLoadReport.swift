/// How busy a node says it is.
public struct NodeLoadReport: Sendable, Hashable {
  public var queueDepth: Int
  public var inFlight: Int
  /// Requests the node holds at once before it sheds load; 0 means unknown (never full).
  public var capacity: Int
  /// Recent mean execution time of one request: a batch's time over the requests in it.
  public var recentExecutionMicroseconds: Double
  /// Batches the node runs at once; the queue drains this many times faster than one.
  public var instances: Int

  public init(
    queueDepth: Int = 0, inFlight: Int = 0, capacity: Int = 0, recentExecutionMicroseconds: Double = 0, instances: Int = 1
  ) {
    self.queueDepth = queueDepth
    self.inFlight = inFlight
    self.capacity = capacity
    self.recentExecutionMicroseconds = recentExecutionMicroseconds
    self.instances = max(1, instances)
  }

  /// How long a request arriving now waits behind the queue: depth × execution time ÷ instances.
  public var queueWaitMicroseconds: Double {
    Double(max(queueDepth, 0)) * max(recentExecutionMicroseconds, 0) / Double(max(instances, 1))
  }

  /// The report as this router sees it with `outstanding` of its own requests at the node: the
  /// queue is at least that deep. Heartbeats arrive once a second; under a burst, a router
  /// that trusted only them sent a node many times what it could start before the requests'
  /// deadlines, and the node spent its time refusing and on answers that came too late.
  public func with(outstanding: Int) -> NodeLoadReport {
    var seen = self
    seen.queueDepth = max(queueDepth, outstanding)
    seen.inFlight = max(inFlight, outstanding)
    return seen
  }

  public var isAtCapacity: Bool { capacity > 0 && inFlight >= capacity }

  /// In-flight requests as a share of capacity, for tie-breaking; 0 when capacity is unknown.
  public var utilisation: Double { capacity > 0 ? Double(inFlight) / Double(capacity) : 0 }
}
