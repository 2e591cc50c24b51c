public import EdgeRouting
import Synchronization

/// The router's registry behind a lock, read at the clock's current instant.
public final class ClusterView: Sendable {
  /// Where the router stands: the location of clients that send none.
  public let location: GeoPoint
  private let registry: Mutex<NodeRegistry>

  public init(location: GeoPoint, registry: NodeRegistry = NodeRegistry()) {
    self.location = location
    self.registry = Mutex(registry)
  }

  public var expiry: Duration { registry.withLock { $0.expiry } }

  @discardableResult
  public func record(_ node: NodeDescriptor) -> Bool {
    registry.withLock { $0.record(node, at: .now) }
  }

  public func isKnown(_ id: String) -> Bool { registry.withLock { $0.isKnown(id) } }

  public func remove(_ id: String) { registry.withLock { $0.remove(id) } }

  public func markUnreachable(_ id: String) { registry.withLock { $0.markUnreachable(id, at: .now) } }

  public func healthyNodes() -> [NodeDescriptor] { registry.withLock { $0.healthyNodes(at: .now) } }

  public func snapshot() -> [NodeHealth] { registry.withLock { $0.snapshot(at: .now) } }

  public func rank(model: String, version: String, from client: GeoPoint?, excluding: Set<String> = []) -> [RankedNode] {
    NodeSelector.rank(healthyNodes(), model: model, version: version, from: client ?? location, excluding: excluding)
  }

  /// Drops nodes silent for ten expiry periods, keeping the registry bounded.
  public func prune() {
    registry.withLock { $0.prune(at: .now, after: $0.expiry * 10) }
  }
}
