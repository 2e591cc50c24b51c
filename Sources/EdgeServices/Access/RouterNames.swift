import Synchronization

/// The ids of the routers a node has registered with, as they answered its registrations: the
/// certificates naming them may change the node's repository (a router's id is among its
/// certificate's names, as `edgeinfer certs init` makes them).
public final class RouterNames: Sendable {
  private let names = Mutex<Set<String>>([])

  public init() {}

  /// Records a router's id; the names every cluster certificate carries are never taken, so a
  /// router misnamed `localhost` cannot open the repository to every certificate.
  public func insert(_ name: String) {
    guard !["", "localhost", "127.0.0.1", "::1"].contains(name) else { return }
    _ = names.withLock { $0.insert(name) }
  }

  public var current: Set<String> { names.withLock { $0 } }
}
