/// The router's view of the cluster, rebuilt from heartbeats alone.
///
/// Pure state: every method takes the current instant, so tests drive time explicitly and the
/// service passes its clock's `now`. A node is in rotation while its last heartbeat is younger
/// than `expiry`, it is not benched after a failed connection, and it is not on probation after
/// a failed health check (it returns after `probationChecks` checks in a row pass; heartbeats
/// alone do not bring it back, since a node can beat and still not serve).
///
/// A node's answer that one model is not ready (unloaded, loading, not in its repository) is not
/// a node failure: it takes that model on that node out of the rankings at once
/// (`markModelUnavailable`), and the node stays in rotation for every other model. Health,
/// probation, benching and panic count only node-wide causes, so one model's trouble never costs
/// another.
public struct NodeRegistry: Sendable {
  public typealias Instant = ContinuousClock.Instant

  /// A node silent for this long leaves the rotation.
  public var expiry: Duration
  /// How long a node stays out after the router failed to reach it, unless a heartbeat that
  /// arrives later than that brings it back.
  public var unreachableBench: Duration

  /// Health checks in a row a node must pass after a failed one to return.
  public var probationChecks: Int
  /// When fewer than this share of the nodes with current heartbeats are in rotation, the
  /// router is in panic: health is no longer believed (Envoy's panic threshold).
  public var panicThreshold: Double = 0.5
  /// In panic, route to every node with current heartbeats (fail open, as Envoy does) rather
  /// than to the few still in rotation (fail closed), which would take the whole load.
  public var failOpen = true
  /// How long a model that a node's answer said is not ready stays out of that node's rankings
  /// even when a heartbeat says it is ready: a heartbeat built before the answer can arrive
  /// after it. Longer than a heartbeat's transit, shorter than the wait for a reload.
  public var modelHold: Duration = .seconds(1)

  private var entries: [String: Entry] = [:]

  private struct Entry: Sendable {
    var descriptor: NodeDescriptor
    var lastHeartbeat: Instant
    var benchedUntil: Instant?
    /// Passed checks still needed before it returns.
    var probation = 0
    /// Models the node's own answers said are not ready, and when (version "" for every version).
    var modelsOut: [ModelVersionKey: Instant] = [:]

    /// The heartbeat's models with those held out marked not ready.
    mutating func applyHolds() {
      guard !modelsOut.isEmpty else { return }
      for index in descriptor.models.indices {
        let model = descriptor.models[index]
        if modelsOut.keys.contains(where: { $0.matches(name: model.name, version: model.version) }) {
          descriptor.models[index].isReady = false
        }
      }
    }
  }

  struct ModelVersionKey: Hashable, Sendable {
    var name: String
    var version: String

    func matches(name: String, version: String) -> Bool {
      self.name == name && (self.version.isEmpty || self.version == version)
    }
  }

  public init(expiry: Duration = .seconds(3), unreachableBench: Duration = .seconds(1), probationChecks: Int = 2) {
    self.expiry = expiry
    self.unreachableBench = unreachableBench
    self.probationChecks = probationChecks
  }

  /// Records a registration or heartbeat. Returns whether the node was already known.
  @discardableResult
  public mutating func record(_ descriptor: NodeDescriptor, at now: Instant) -> Bool {
    if var entry = entries[descriptor.id] {
      entry.descriptor = descriptor
      entry.lastHeartbeat = now
      if let until = entry.benchedUntil, now >= until { entry.benchedUntil = nil }
      entry.modelsOut = entry.modelsOut.filter { now - $0.value < modelHold }
      entry.applyHolds()
      entries[descriptor.id] = entry
      return true
    }
    entries[descriptor.id] = Entry(descriptor: descriptor, lastHeartbeat: now, benchedUntil: nil)
    return false
  }

  /// Whether a heartbeat from `id` would be accepted as a refresh (else the node must register).
  public func isKnown(_ id: String) -> Bool { entries[id] != nil }

  /// Whether any known node lists a model of this name, ready or not.
  public func knowsModel(_ name: String) -> Bool {
    entries.values.contains { $0.descriptor.models.contains { $0.name == name } }
  }

  /// Takes a node out at once (graceful drain or deregistration).
  public mutating func remove(_ id: String) {
    entries[id] = nil
  }

  /// Benches a node the router could not reach, so the next requests go elsewhere at once.
  public mutating func markUnreachable(_ id: String, at now: Instant) {
    entries[id]?.benchedUntil = now + unreachableBench
  }

  /// `id` answered that `model` (`version`, or every version when empty) is not ready there: out
  /// of its rankings for that model at once, until a heartbeat at least `modelHold` later says
  /// it is ready. The node's health and its other models are untouched.
  public mutating func markModelUnavailable(_ id: String, model: String, version: String, at now: Instant) {
    guard var entry = entries[id] else { return }
    entry.modelsOut[ModelVersionKey(name: model, version: version)] = now
    entry.applyHolds()
    entries[id] = entry
  }

  /// A health check of `id` failed (error, timeout or NOT_SERVING): out until it passes
  /// `probationChecks` in a row.
  public mutating func failCheck(_ id: String) {
    entries[id]?.probation = probationChecks
  }

  /// A health check of `id` passed.
  public mutating func passCheck(_ id: String) {
    guard let probation = entries[id]?.probation, probation > 0 else { return }
    entries[id]?.probation = probation - 1
  }

  /// The nodes to route among now, and whether that is the panic set: the nodes in rotation, or
  /// with fail-open and fewer than `panicThreshold` of the live nodes in rotation, every live
  /// node but those the router just failed to reach. Panic distrusts the health checks (a bad
  /// check can bench a whole healthy fleet); a refused connection is not a belief, and routing
  /// to it would only spend the retry budget.
  public func routable(at now: Instant) -> (nodes: [NodeDescriptor], panic: Bool) {
    let healthy = healthyNodes(at: now)
    let live = entries.values.filter { now - $0.lastHeartbeat <= expiry }
    let panic = !live.isEmpty && Double(healthy.count) < panicThreshold * Double(live.count)
    guard panic && failOpen else { return (healthy, panic) }
    let reachable = live.filter { entry in entry.benchedUntil.map { now >= $0 } ?? true }
    return (reachable.map(\.descriptor).sorted { $0.id < $1.id }, panic)
  }

  /// Nodes whose heartbeats are current, in rotation or not: the ones worth checking.
  public func liveNodes(at now: Instant) -> [NodeDescriptor] {
    entries.values.filter { now - $0.lastHeartbeat <= expiry }.map(\.descriptor).sorted { $0.id < $1.id }
  }

  /// Forgets nodes silent for much longer than the expiry, so the registry stays bounded.
  public mutating func prune(at now: Instant, after silence: Duration) {
    entries = entries.filter { now - $0.value.lastHeartbeat <= silence }
  }

  public func isHealthy(_ id: String, at now: Instant) -> Bool {
    guard let entry = entries[id] else { return false }
    return isHealthy(entry, at: now)
  }

  private func isHealthy(_ entry: Entry, at now: Instant) -> Bool {
    if now - entry.lastHeartbeat > expiry { return false }
    if let until = entry.benchedUntil, now < until { return false }
    return entry.probation == 0
  }

  /// The nodes in rotation now.
  public func healthyNodes(at now: Instant) -> [NodeDescriptor] {
    entries.values.filter { isHealthy($0, at: now) }.map(\.descriptor).sorted { $0.id < $1.id }
  }

  /// Every known node with its health and heartbeat age, ordered by id.
  public func snapshot(at now: Instant) -> [NodeHealth] {
    entries.values
      .map { NodeHealth(descriptor: $0.descriptor, isHealthy: isHealthy($0, at: now), heartbeatAge: now - $0.lastHeartbeat) }
      .sorted { $0.descriptor.id < $1.descriptor.id }
  }
}
