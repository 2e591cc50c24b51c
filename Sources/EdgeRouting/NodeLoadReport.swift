/// How busy a node says it is.
public struct NodeLoadReport: Sendable, Hashable {
  public var queueDepth: Int
  public var inFlight: Int
  /// Requests the node holds at once before it sheds load; 0 means unknown (never full).
  public var capacity: Int
  public var recentExecutionMicroseconds: Double

  public init(queueDepth: Int = 0, inFlight: Int = 0, capacity: Int = 0, recentExecutionMicroseconds: Double = 0) {
    self.queueDepth = queueDepth
    self.inFlight = inFlight
    self.capacity = capacity
    self.recentExecutionMicroseconds = recentExecutionMicroseconds
  }

  public var isAtCapacity: Bool { capacity > 0 && inFlight >= capacity }

  /// In-flight requests as a share of capacity, for tie-breaking; 0 when capacity is unknown.
  public var utilisation: Double { capacity > 0 ? Double(inFlight) / Double(capacity) : 0 }
}
