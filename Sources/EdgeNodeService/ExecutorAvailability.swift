import Synchronization
import EdgeServer

/// Whether the node's executor can be reached. While it cannot, the node reports its models not
/// ready and answers inference UNAVAILABLE at once, so routers go elsewhere instead of waiting.
public final class ExecutorAvailability: Sendable {
  private let available = Atomic<Bool>(true)

  public init() {}

  public var isAvailable: Bool { available.load(ordering: .acquiring) }

  /// Records the latest check; true when this changed the state.
  @discardableResult
  public func update(_ reachable: Bool) -> Bool {
    available.exchange(reachable, ordering: .acquiringAndReleasing) != reachable
  }
}
