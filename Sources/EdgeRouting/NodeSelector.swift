/// Ranks the nodes that can serve a request: nearest first by great-circle distance from the
/// client, nodes at capacity after every node with room (so load spills to the next-nearest
/// place instead of queueing at a full one), ties broken by utilisation and then by id so the
/// order is deterministic.
public enum NodeSelector {
  public static func rank(
    _ nodes: [NodeDescriptor],
    model: String,
    version: String = "",
    from client: GeoPoint,
    excluding excluded: Set<String> = []
  ) -> [RankedNode] {
    let candidates = nodes.filter { !excluded.contains($0.id) && $0.serves(model: model, version: version) }
      .map { RankedNode(node: $0, distanceKilometres: client.distanceKilometres(to: $0.location)) }
    return candidates.sorted(by: precedes)
  }

  /// Distances within a metre are equal: the load decides between co-located nodes.
  private static let distanceTolerance = 0.001

  private static func precedes(_ a: RankedNode, _ b: RankedNode) -> Bool {
    let aFull = a.node.load.isAtCapacity
    let bFull = b.node.load.isAtCapacity
    if aFull != bFull { return !aFull }
    if abs(a.distanceKilometres - b.distanceKilometres) > distanceTolerance {
      return a.distanceKilometres < b.distanceKilometres
    }
    if a.node.load.utilisation != b.node.load.utilisation {
      return a.node.load.utilisation < b.node.load.utilisation
    }
    return a.node.id < b.node.id
  }
}
