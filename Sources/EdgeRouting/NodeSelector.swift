/// Ranks the nodes that can serve a request by the time it is expected to take there: network
/// (the client's distance to the node, plus the router's measured round trip to it), plus the
/// wait behind its queue (queue depth × recent execution time), plus a penalty for recent
/// failures, so a node that fails fast does not attract traffic. Nodes at capacity go after every
/// node with room: load spills to the next place instead of queueing at a full one. Among the
/// front-runners whose estimates are near-equal, the power of two choices puts the less loaded
/// of two picked at random first, so that one node is not stampeded by every router and client
/// that sees the same numbers. Ties otherwise fall to utilisation and then id. `background`
/// requests go to the least-loaded node anywhere (utilisation, then queue wait); `pin:` requests
/// only to the node they name. A residency bound leaves out every node outside its regions.
public enum NodeSelector {
  public static func rank(
    _ nodes: [NodeDescriptor],
    model: String,
    version: String = "",
    from client: GeoPoint,
    excluding excluded: Set<String> = [],
    observations: [String: NodeObservation] = [:],
    policy: SelectionPolicy = SelectionPolicy(),
    mode: RouteMode = .nearest,
    within bound: ResidencyBound? = nil,
    now: ContinuousClock.Instant = .now
  ) -> [RankedNode] {
    var random = SystemRandomNumberGenerator()
    return rank(
      nodes, model: model, version: version, from: client, excluding: excluded, observations: observations, policy: policy,
      mode: mode, within: bound, now: now, using: &random)
  }

  public static func rank(
    _ nodes: [NodeDescriptor],
    model: String,
    version: String = "",
    from client: GeoPoint,
    excluding excluded: Set<String> = [],
    observations: [String: NodeObservation] = [:],
    policy: SelectionPolicy = SelectionPolicy(),
    mode: RouteMode = .nearest,
    within bound: ResidencyBound? = nil,
    now: ContinuousClock.Instant = .now,
    using random: inout some RandomNumberGenerator
  ) -> [RankedNode] {
    let pinned: String? = if case .pinned(let id) = mode { id } else { nil }
    // A residency bound is a filter, not a preference: nodes outside it are never candidates,
    // whatever the mode, the load or the panic state.
    var ranked = nodes.filter {
      !excluded.contains($0.id) && $0.serves(model: model, version: version) && (pinned == nil || $0.id == pinned)
        && (bound?.admits($0.region) ?? true)
    }
      .map { node in
        let distance = client.distanceKilometres(to: node.location)
        return RankedNode(
          node: node, distanceKilometres: distance,
          estimate: estimate(node, distanceKilometres: distance, observation: observations[node.id], policy: policy, now: now))
      }
      .sorted(by: precedes)
    if mode == .background { return ranked.sorted(by: idler) }
    // The power of two choices among the near-equal front-runners with room.
    guard let best = ranked.first, !best.node.load.isAtCapacity else { return ranked }
    let margin = max(best.estimate.total * policy.nearEqualFraction, policy.nearEqualFloor)
    let front = ranked.prefix { !$0.node.load.isAtCapacity && $0.estimate.total <= best.estimate.total + margin }.count
    guard front >= 2 else { return ranked }
    let first = Int.random(in: 0..<front, using: &random)
    var second = Int.random(in: 0..<(front - 1), using: &random)
    if second >= first { second += 1 }
    let chosen = lessLoaded(ranked[first], ranked[second]) ? first : second
    ranked.insert(ranked.remove(at: chosen), at: 0)
    return ranked
  }

  public static func estimate(
    _ node: NodeDescriptor, distanceKilometres: Double, observation: NodeObservation?, policy: SelectionPolicy,
    now: ContinuousClock.Instant
  ) -> RouteEstimate {
    let network = policy.roundTripPerKilometre * distanceKilometres + (observation?.roundTrip ?? .zero)
    let queue = Duration.microseconds(node.load.queueWaitMicroseconds)
    let penalty = policy.errorPenalty * (observation?.errorRate(at: now) ?? 0)
    return RouteEstimate(network: network, queue: queue, penalty: penalty)
  }

  /// For background work: room first, then utilisation, then queue wait, then the estimate.
  private static func idler(_ a: RankedNode, _ b: RankedNode) -> Bool {
    if a.node.load.isAtCapacity != b.node.load.isAtCapacity { return !a.node.load.isAtCapacity }
    if a.node.load.utilisation != b.node.load.utilisation { return a.node.load.utilisation < b.node.load.utilisation }
    if a.estimate.queue != b.estimate.queue { return a.estimate.queue < b.estimate.queue }
    return precedes(a, b)
  }

  private static func lessLoaded(_ a: RankedNode, _ b: RankedNode) -> Bool {
    if a.node.load.utilisation != b.node.load.utilisation { return a.node.load.utilisation < b.node.load.utilisation }
    return precedes(a, b)
  }

  private static func precedes(_ a: RankedNode, _ b: RankedNode) -> Bool {
    let aFull = a.node.load.isAtCapacity
    let bFull = b.node.load.isAtCapacity
    if aFull != bFull { return !aFull }
    if a.estimate.total != b.estimate.total { return a.estimate.total < b.estimate.total }
    if a.node.load.utilisation != b.node.load.utilisation {
      return a.node.load.utilisation < b.node.load.utilisation
    }
    return a.node.id < b.node.id
  }
}
