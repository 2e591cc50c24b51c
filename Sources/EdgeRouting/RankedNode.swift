/// A candidate node for one request, with the distance and the estimate that ranked it.
public struct RankedNode: Sendable, Hashable {
  public var node: NodeDescriptor
  public var distanceKilometres: Double
  public var estimate: RouteEstimate

  public init(node: NodeDescriptor, distanceKilometres: Double, estimate: RouteEstimate = RouteEstimate()) {
    self.node = node
    self.distanceKilometres = distanceKilometres
    self.estimate = estimate
  }
}
