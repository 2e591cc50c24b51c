/// How the router weighs a node: the terms of the estimate and when two nodes count as equal.
public struct SelectionPolicy: Sendable, Equatable {
  /// Round-trip time per kilometre from the client to the node: light in fibre covers about
  /// 200 km a millisecond, so 10 µs a kilometre there and back.
  public var roundTripPerKilometre: Duration = .microseconds(10)
  /// Added to a node's estimate at an error rate of 1 (in proportion below): a node that fails
  /// fast must not look fast.
  public var errorPenalty: Duration = .seconds(1)
  /// Nodes whose estimates are within this share of the best…
  public var nearEqualFraction: Double = 0.1
  /// …or within this much of it are near-equals, among which the power of two choices picks.
  public var nearEqualFloor: Duration = .milliseconds(1)

  public init() {}
}
