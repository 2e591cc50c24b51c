/// A candidate node for one request, with the distance that ranked it.
public struct RankedNode: Sendable, Hashable {
  public var node: NodeDescriptor
  public var distanceKilometres: Double

  public init(node: NodeDescriptor, distanceKilometres: Double) {
    self.node = node
    self.distanceKilometres = distanceKilometres
  }
}
