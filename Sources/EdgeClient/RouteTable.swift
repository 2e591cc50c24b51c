/// A direct-mode client's memory of routes: the ranked nodes the router gave for each model
/// (kept for `refresh`, then asked again, since load and health change), and the nodes that
/// failed this client recently, which go to the back of every list for `penalty` (the router
/// may not have noticed yet). Pure, with explicit instants.
public struct RouteTable: Sendable {
  public struct Key: Hashable, Sendable {
    public var model: String
    public var version: String
    /// The location the ranking was made for ("" for the router's own).
    public var location: String

    public init(model: String, version: String, location: String) {
      self.model = model
      self.version = version
      self.location = location
    }
  }

  public var refresh: Duration
  public var penalty: Duration
  private var routes: [Key: (nodes: [DirectNode], fetched: ContinuousClock.Instant)] = [:]
  private var failures: [String: ContinuousClock.Instant] = [:]

  public init(refresh: Duration = .seconds(1), penalty: Duration = .seconds(5)) {
    self.refresh = refresh
    self.penalty = penalty
  }

  /// The nodes for `key` in the order to try them, or nil when there is no current ranking.
  public func nodes(for key: Key, at now: ContinuousClock.Instant) -> [DirectNode]? {
    guard let route = routes[key], route.fetched.duration(to: now) < refresh else { return nil }
    return order(route.nodes, at: now)
  }

  public mutating func store(_ nodes: [DirectNode], for key: Key, at now: ContinuousClock.Instant) {
    routes[key] = (nodes, now)
  }

  /// Forgets a ranking, so the next call asks the router again (after every node in it failed).
  public mutating func invalidate(_ key: Key) {
    routes[key] = nil
  }

  public mutating func recordFailure(_ nodeID: String, at now: ContinuousClock.Instant) {
    failures[nodeID] = now
    // Expired entries are dropped here, so the table stays as small as the set of bad nodes.
    failures = failures.filter { $0.value.duration(to: now) < penalty }
  }

  public mutating func recordSuccess(_ nodeID: String) {
    failures[nodeID] = nil
  }

  /// The router's order, with the nodes that failed within `penalty` moved to the back (in the
  /// router's order among themselves): tried only when the others fail too.
  public func order(_ nodes: [DirectNode], at now: ContinuousClock.Instant) -> [DirectNode] {
    func failedRecently(_ node: DirectNode) -> Bool {
      failures[node.id].map { $0.duration(to: now) < penalty } ?? false
    }
    return nodes.filter { !failedRecently($0) } + nodes.filter(failedRecently)
  }
}
