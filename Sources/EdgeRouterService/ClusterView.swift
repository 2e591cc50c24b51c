public import EdgeRouting
import Synchronization
import EdgeServer

/// The router's registry behind a lock, read at the clock's current instant.
public final class ClusterView: Sendable {
  /// Where the router stands: the location of clients that send none.
  public let location: GeoPoint
  private let registry: Mutex<NodeRegistry>
  /// What this router's own calls have seen of each node.
  private let observations = Mutex<[String: NodeObservation]>([:])
  private let retries = Mutex(RetryBudget())
  private let resets = Mutex(StreamResetBudget())
  private let panicking = Atomic<Bool>(false)
  /// This router's attempts in flight at each node (NodeLoadReport.with(outstanding:)).
  private let outstanding = Mutex<[String: Int]>([:])
  /// Requests waiting on nodes, woken by `checkAttempts` when their node leaves the rotation or
  /// their deadline passes.
  public let attemptWatch = AttemptWatch()
  /// Told when the router enters or leaves panic, for the log.
  private let onPanicChange: @Sendable (Bool) -> Void

  public init(location: GeoPoint, registry: NodeRegistry = NodeRegistry(), onPanicChange: @escaping @Sendable (Bool) -> Void = { _ in }) {
    self.location = location
    self.registry = Mutex(registry)
    self.onPanicChange = onPanicChange
  }

  public var expiry: Duration { registry.withLock { $0.expiry } }

  @discardableResult
  public func record(_ node: NodeDescriptor) -> Bool {
    registry.withLock { $0.record(node, at: .now) }
  }

  public func isKnown(_ id: String) -> Bool { registry.withLock { $0.isKnown(id) } }

  public func remove(_ id: String) { registry.withLock { $0.remove(id) } }

  public func markUnreachable(_ id: String) { registry.withLock { $0.markUnreachable(id, at: .now) } }

  /// `id` said `model` is not ready there: out of that model's rankings only (NodeRegistry).
  public func markModelUnavailable(_ id: String, model: String, version: String) {
    registry.withLock { $0.markModelUnavailable(id, model: model, version: version, at: .now) }
  }

  public func failCheck(_ id: String) { registry.withLock { $0.failCheck(id) } }
  public func passCheck(_ id: String) { registry.withLock { $0.passCheck(id) } }
  /// Whether `id` is in rotation now (heartbeats current, not benched, not on probation).
  public func isInRotation(_ id: String) -> Bool { registry.withLock { $0.isHealthy(id, at: .now) } }

  /// Wakes the requests waiting on nodes that have left the rotation (see NodeForwarder's
  /// rescue) and those whose deadline has passed.
  public func checkAttempts() {
    let now = ContinuousClock.now
    registry.withLock { registry in attemptWatch.check(now: now) { registry.isHealthy($0, at: now) } }
  }

  /// Checks the requests waiting on nodes every `interval` until cancelled.
  public func watchAttempts(every interval: Duration) async {
    while (try? await Task.sleep(for: interval)) != nil { checkAttempts() }
  }
  public func liveNodes() -> [NodeDescriptor] { registry.withLock { $0.liveNodes(at: .now) } }

  public func healthyNodes() -> [NodeDescriptor] { registry.withLock { $0.healthyNodes(at: .now) } }

  public func snapshot() -> [NodeHealth] { registry.withLock { $0.snapshot(at: .now) } }

  /// Whether any known node lists a model of this name, ready or not.
  public func knowsModel(_ name: String) -> Bool {
    !name.isEmpty && registry.withLock { $0.knowsModel(name) }
  }

  public func rank(
    model: String, version: String, from client: GeoPoint?, excluding: Set<String> = [], mode: RouteMode = .nearest,
    within bound: ResidencyBound? = nil
  ) -> [RankedNode] {
    var (nodes, panic) = registry.withLock { $0.routable(at: .now) }
    let mine = outstanding.withLock { $0 }
    if !mine.isEmpty {
      for index in nodes.indices {
        if let count = mine[nodes[index].id] { nodes[index].load = nodes[index].load.with(outstanding: count) }
      }
    }
    if panicking.exchange(panic, ordering: .relaxed) != panic {
      onPanicChange(panic)
    }
    return NodeSelector.rank(
      nodes, model: model, version: version, from: client ?? location, excluding: excluding,
      observations: observations.withLock { $0 }, mode: mode, within: bound)
  }

  /// An attempt of this router's started at node `id`; `attemptEnded` when the node is done
  /// with it (answered, refused, or its stream ended).
  public func attemptStarted(_ id: String) { outstanding.withLock { $0[id, default: 0] += 1 } }

  public func attemptEnded(_ id: String) {
    outstanding.withLock { counts in
      let left = (counts[id] ?? 1) - 1
      counts[id] = left > 0 ? left : nil
    }
  }

  /// Whether fewer than the panic threshold of live nodes are in rotation (see NodeRegistry), as
  /// of the last routing decision.
  public var isPanicking: Bool { panicking.load(ordering: .relaxed) }

  /// Nodes in rotation and live nodes now, and whether that is panic, for metrics.
  public func rotation() -> (inRotation: Int, live: Int, panic: Bool) {
    registry.withLock { registry in
      let now = ContinuousClock.now
      return (registry.healthyNodes(at: now).count, registry.liveNodes(at: now).count, registry.routable(at: now).panic)
    }
  }

  /// A health check of `id` was answered after `roundTrip`.
  public func recordCheck(_ id: String, roundTrip: Duration) {
    observations.withLock { $0[id, default: NodeObservation()].recordCheck(roundTrip: roundTrip, at: .now) }
  }

  /// A call to `id` was answered. (Round trips are not sampled from calls: a call's time holds
  /// connection setup and the node's processing, which on loopback outweigh the network; the
  /// health checks sample them.)
  public func recordSuccess(_ id: String) {
    observations.withLock { $0[id, default: NodeObservation()].recordAnswer(at: .now) }
  }

  /// A call to `id` failed for the node's reasons (unreachable, unavailable, shedding, internal).
  public func recordFailure(_ id: String) {
    observations.withLock { $0[id, default: NodeObservation()].recordFailure(at: .now) }
  }

  public func observation(of id: String) -> NodeObservation? { observations.withLock { $0[id] } }

  /// Runs `body` as one request in flight for the retry budget.
  public func withRequest<T>(_ body: () async throws -> T) async rethrows -> T {
    retries.withLock { $0.requestStarted() }
    defer { retries.withLock { $0.requestFinished() } }
    return try await body()
  }

  /// Takes a retry from the budget (20% of requests in flight, at least 3); false when spent.
  public func tryRetry() -> Bool { retries.withLock { $0.tryRetry() } }
  /// Takes a retry from the budget, waiting for one to finish while it is spent, until
  /// `deadline` (backing off from 1 to 20 ms between looks: the wait is rare and short).
  public func waitForRetry(until deadline: ContinuousClock.Instant) async -> Bool {
    var pause = Duration.milliseconds(1)
    while !tryRetry() {
      guard !Task.isCancelled, ContinuousClock.now + pause < deadline else { return false }
      try? await Task.sleep(for: pause)
      pause = min(pause * 2, .milliseconds(20))
    }
    return true
  }

  public func retryFinished() { retries.withLock { $0.retryFinished() } }

  /// Drops nodes silent for ten expiry periods, keeping the registry bounded.
  public func prune() {
    let known = registry.withLock { registry in
      registry.prune(at: .now, after: registry.expiry * 10)
      return Set(registry.snapshot(at: .now).map(\.descriptor.id))
    }
    observations.withLock { $0 = $0.filter { known.contains($0.key) } }
    resets.withLock { $0.retain(known) }
  }

  /// Whether a cancelled request may reset its stream to `node` (StreamResetBudget).
  public func mayResetStream(to node: String, deadline: ContinuousClock.Instant) -> Bool {
    resets.withLock { $0.mayReset(node: node, deadline: deadline, at: .now) }
  }
}
